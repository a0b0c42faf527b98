// reproduce.json in an example's output folder: how the generator ran it (spec file, workers,
// machine, code commit), so a later `npm run reproduce --skip-run` can still state it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunFacts } from './setup.js';

export const RUN_RECORD = 'reproduce.json';

export function readRunRecord(dir: string): Partial<RunFacts> | null {
  const p = join(dir, RUN_RECORD);
  if (!existsSync(p)) return null;
  try {
    const v = JSON.parse(readFileSync(p, 'utf8')) as unknown;
    return typeof v === 'object' && v !== null ? (v as Partial<RunFacts>) : null;
  } catch {
    return null; // rewritten by the next run; the page then says "not recorded"
  }
}

export function writeRunRecord(dir: string, facts: Omit<RunFacts, 'gridTrials'>): void {
  writeFileSync(join(dir, RUN_RECORD), `${JSON.stringify(facts, null, 2)}\n`);
}
