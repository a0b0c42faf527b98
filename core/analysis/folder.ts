// analyzeFolder: summary.json and report.html of an output folder, recomputed from its
// trials.jsonl and metrics.jsonl (and the analysis section kept in spec.json). Used by
// `sweep analyze DIR` and at the end of `sweep run`; works on partial sweeps.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricMessage } from '../messages.js';
import type { TrialRecord } from '../outcome.js';
import { readJsonl, writeFileAtomic } from '../output/jsonl.js';
import { tornTrialId } from '../output/folder.js';
import { FolderLock, type LockHolder } from '../output/lock.js';
import { readSpecFile, SPEC_FILE, type SpecFile } from '../output/spec-file.js';
import { renderReport } from '../report/html.js';
import { analyzeSeries } from './analyze.js';
import type { AnalysisConfigInput } from './schema.js';
import { collectSeries } from './series.js';
import type { Summary } from './summary.js';
import { PREFLIGHT_FILE, type PreflightRecord } from '../preflight/run.js';

export interface AnalyzeFolderOptions {
  /** trials the sweep plans (the runner knows; lets the summary say how many are missing) */
  planned?: number;
  /** overrides the analysis section of spec.json */
  analysis?: AnalysisConfigInput;
  /** skip report.html (summary.json only) */
  noReport?: boolean;
  /** the caller's lock on the folder (`sweep run`); without one the analysis takes the lock itself */
  lock?: FolderLock;
  /** notes the caller adds to summary.json */
  notes?: string[];
  /** the sweep's id (a cluster sweep's workflow id); default the spec's name, the id of a `sweep run` */
  sweepId?: string;
  /** trials that were cancelled: not in trials.jsonl (a rerun runs them), counted in summary.trials */
  cancelled?: number;
}

export interface AnalyzeFolderResult {
  summary: Summary;
  summaryPath: string;
  reportPath: string | null;
  /** a dead process's lock this analysis took over (worth a note to the user) */
  tookOver?: LockHolder;
}

export class AnalyzeFolderError extends Error {}

function readSpec(dir: string): SpecFile | null {
  const p = join(dir, SPEC_FILE);
  const read = readSpecFile(p);
  if ('missing' in read) return null;
  if ('invalid' in read) throw new AnalyzeFolderError(`${p}: not valid JSON (${read.invalid})`);
  return read.spec;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

async function* metricMessages(path: string, torn: (raw: string) => void): AsyncGenerator<MetricMessage> {
  for await (const { value } of readJsonl(path, torn)) {
    if (isObject(value) && typeof value.trialId === 'string' && typeof value.step === 'number') yield value as unknown as MetricMessage;
  }
}

export async function analyzeFolder(dir: string, opts: AnalyzeFolderOptions = {}): Promise<AnalyzeFolderResult> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new AnalyzeFolderError(`${dir}: no such output folder`);
  // one writer at a time: a run (or another analysis) writing the folder makes this one wait its turn
  const lock = opts.lock ?? FolderLock.acquire(dir, 'sweep analyze');
  try {
    const res = await analyzeLocked(dir, opts);
    if (lock !== opts.lock && lock.replaced) res.tookOver = lock.replaced;
    return res;
  } finally {
    if (lock !== opts.lock) lock.release();
  }
}

async function analyzeLocked(dir: string, opts: AnalyzeFolderOptions): Promise<AnalyzeFolderResult> {
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
  let tornMetric: string | null = null;
  const series = await collectSeries(metricMessages(join(dir, 'metrics.jsonl'), (raw) => (tornMetric = raw)));
  const specAxes = spec?.axes?.map((a) => a.path).filter((p): p is string => typeof p === 'string');
  const summary = analyzeSeries(trials, series, opts.analysis ?? spec?.analysis, specAxes?.length ? specAxes : undefined, {
    planned: opts.planned,
    sweepId: opts.sweepId ?? (typeof spec?.name === 'string' ? spec.name : undefined),
    ...(opts.cancelled ? { cancelled: opts.cancelled } : {}),
  });
  if (unreadable) summary.notes.push(`${unreadable} unreadable line(s) in trials.jsonl were skipped`);
  if (tornMetric !== null) summary.notes.push(tornMetricNote(tornMetric, trials));
  summary.notes.push(...(opts.notes ?? []));
  addPreflight(dir, summary);
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

/** The preflight's record (preflight.json, when the sweep has one) into the summary. */
function addPreflight(dir: string, summary: Summary): void {
  const p = join(dir, PREFLIGHT_FILE);
  if (!existsSync(p)) return;
  try {
    const rec = JSON.parse(readFileSync(p, 'utf8')) as PreflightRecord;
    if (rec.skipped) summary.preflightSkipped = true;
    if (rec.coordCheck) summary.coordCheck = rec.coordCheck.entries;
  } catch {
    summary.notes.push(`${PREFLIGHT_FILE}: not valid JSON, its coord check is not in the summary`);
  }
}

/** What a torn last line of metrics.jsonl means for the trial it belonged to. */
function tornMetricNote(raw: string, trials: readonly TrialRecord[]): string {
  const id = tornTrialId(raw);
  const rec = id === undefined ? undefined : trials.find((t) => t.id === id);
  if (id === undefined) return 'metrics.jsonl ends with a torn line (of an unknown trial), skipped';
  if (!rec) return `metrics.jsonl ends with a torn line of trial ${id}, which has not finished (skipped; the next run reruns that trial)`;
  return `metrics.jsonl ends with a torn line of finished trial ${id} (${rec.outcome}): its metrics are incomplete; the next \`sweep run\` of this folder runs it again`;
}
