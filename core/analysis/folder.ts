// analyzeFolder: summary.json and report.html of an output folder, recomputed from its
// trials.jsonl and metrics.jsonl (and the analysis section kept in spec.json). Used by
// `sweep analyze DIR` and at the end of `sweep run`; works on partial sweeps.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricMessage } from '../messages.js';
import type { TrialRecord } from '../outcome.js';
import { readJsonl, writeFileAtomic } from '../output/jsonl.js';
import { renderReport } from '../report/html.js';
import { analyzeSeries } from './analyze.js';
import type { AnalysisConfigInput } from './schema.js';
import { collectSeries } from './series.js';
import type { Summary } from './summary.js';

export interface AnalyzeFolderOptions {
  /** trials the sweep plans (the runner knows; lets the summary say how many are missing) */
  planned?: number;
  /** overrides the analysis section of spec.json */
  analysis?: AnalysisConfigInput;
  /** skip report.html (summary.json only) */
  noReport?: boolean;
}

export interface AnalyzeFolderResult {
  summary: Summary;
  summaryPath: string;
  reportPath: string | null;
}

export class AnalyzeFolderError extends Error {}

interface SpecJson {
  name?: string;
  description?: unknown;
  axes?: { path?: unknown }[];
  analysis?: AnalysisConfigInput;
}

function readSpec(dir: string): SpecJson | null {
  const p = join(dir, 'spec.json');
  if (!existsSync(p)) return null;
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as SpecJson;
  } catch (e) {
    throw new AnalyzeFolderError(`${p}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

async function* metricMessages(path: string): AsyncGenerator<MetricMessage> {
  for await (const { value } of readJsonl(path)) {
    if (isObject(value) && typeof value.trialId === 'string' && typeof value.step === 'number') yield value as unknown as MetricMessage;
  }
}

export async function analyzeFolder(dir: string, opts: AnalyzeFolderOptions = {}): Promise<AnalyzeFolderResult> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new AnalyzeFolderError(`${dir}: no such output folder`);
  const trialsPath = join(dir, 'trials.jsonl');
  const spec = readSpec(dir);
  if (!spec && !existsSync(trialsPath)) {
    throw new AnalyzeFolderError(`${dir}: not a sweep output folder (no trials.jsonl or spec.json)`);
  }
  const trials: TrialRecord[] = [];
  let unreadable = 0;
  for await (const { value } of readJsonl(trialsPath, () => unreadable++)) {
    if (isObject(value) && typeof value.id === 'string' && typeof value.outcome === 'string') trials.push(value as unknown as TrialRecord);
    else unreadable++;
  }
  const series = await collectSeries(metricMessages(join(dir, 'metrics.jsonl')));
  const specAxes = spec?.axes?.map((a) => a.path).filter((p): p is string => typeof p === 'string');
  const summary = analyzeSeries(trials, series, opts.analysis ?? spec?.analysis, specAxes?.length ? specAxes : undefined, {
    planned: opts.planned,
    sweepId: spec?.name,
  });
  if (unreadable) summary.notes.push(`${unreadable} unreadable line(s) in trials.jsonl were skipped`);
  const summaryPath = join(dir, 'summary.json');
  await writeFileAtomic(summaryPath, `${JSON.stringify(summary, null, 2)}\n`);
  let reportPath: string | null = null;
  if (!opts.noReport) {
    reportPath = join(dir, 'report.html');
    const description = typeof spec?.description === 'string' ? spec.description : undefined;
    await writeFileAtomic(reportPath, await renderReport(summary, trials, series, { description }));
  }
  return { summary, summaryPath, reportPath };
}
