// spec.json of an output folder: the resolved spec the folder belongs to. Written by the
// embedded runner and the cluster report; read for the folder's owner (its name) and by
// `sweep analyze` (its axes and analysis section). One shape and one reader for both.
import { readFileSync } from 'node:fs';
import type { AnalysisConfigInput } from '../analysis/schema.js';

export const SPEC_FILE = 'spec.json';

/** The parts of spec.json that readers rely on; the rest is the resolved spec as written. */
export interface SpecFile {
  name?: unknown;
  description?: unknown;
  axes?: { path?: unknown }[];
  analysis?: AnalysisConfigInput;
}

export type SpecFileRead = { spec: SpecFile } | { missing: true } | { invalid: string };

/** Reads spec.json at `path`: its content, that it is missing, or why it is not valid JSON. */
export function readSpecFile(path: string): SpecFileRead {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { missing: true };
    throw err;
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { invalid: 'not a JSON object' };
    return { spec: value as SpecFile };
  } catch (e) {
    return { invalid: e instanceof Error ? e.message : String(e) };
  }
}
