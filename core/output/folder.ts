// The output folder of an embedded sweep (README "Output folder"), written as results
// arrive and reopened to resume. Invariant kept on every exit path: each trial in
// trials.jsonl appears once, and metrics.jsonl holds only lines of trials in trials.jsonl.
// A run killed without warning can leave metric lines of unfinished trials; opening the
// folder again removes them (atomically) before those trials rerun. Only one command writes a
// folder at a time (lock.ts).
import { join } from 'node:path';
import type { MetricMessage } from '../messages.js';
import { OUTCOMES, type Outcome, type TrialRecord } from '../outcome.js';
import { finishedTrial, type FinishedTrial } from '../search/strategy.js';
import { isPlainObject } from '../grid/paths.js';
import { JsonlAppender, readJsonl, rewriteJsonl, writeFileAtomic } from './jsonl.js';
import { folderAccessError, makeFolder, OutputFolderError } from './folder-access.js';
import { readSpecFile, SPEC_FILE } from './spec-file.js';

export const OUTPUT_FILES = {
  trials: 'trials.jsonl',
  metrics: 'metrics.jsonl',
  summary: 'summary.json',
  report: 'report.html',
  /** the resolved spec the folder belongs to (lets `sweep analyze DIR` find the analysis section) */
  spec: SPEC_FILE,
} as const;

/** What the search strategies and the progress display need of a finished trial. */
export type { FinishedTrial } from '../search/strategy.js';

export { folderAccessError, makeFolder, OutputFolderError } from './folder-access.js';

export interface OpenOptions {
  /** the sweep's name; a folder holding another sweep is refused */
  name: string;
  /** forget failed trials so they run again */
  retryFailed?: boolean;
  /** a cluster sweep's id: its records carry it as `sweepId` (embedded records carry the name) */
  sweepId?: string;
}

/** What opening the folder had to clean up. */
export interface Cleanup {
  /** records dropped: duplicates, cancelled, unreadable, or failed with retryFailed */
  records: number;
  /** metric lines of trials without a kept record, second copies of a line, or unreadable */
  metricLines: number;
  /**
   * finished trials whose last metric line was torn (cut off by a copy, a full disk or
   * another tool): their records are dropped too, so they run again with complete metrics
   */
  rerun: string[];
  /** spec.json was missing or unreadable, and the records' sweepId showed the folder is this sweep's */
  adopted?: string;
}

/** spec.json's sweep name, or why there is none. */
function readSpecName(path: string): { name: string } | 'missing' | 'invalid' {
  const read = readSpecFile(path);
  if ('missing' in read) return 'missing';
  if ('invalid' in read) return 'invalid';
  return typeof read.spec.name === 'string' ? { name: read.spec.name } : 'invalid';
}

/** The trial of a torn metric line, if its `trialId` field survived the cut. */
export function tornTrialId(raw: string): string | undefined {
  const m = /"trialId":"((?:[^"\\]|\\.)*)"/.exec(raw);
  if (!m) return undefined;
  try {
    return JSON.parse(`"${m[1]}"`) as string;
  } catch {
    return undefined;
  }
}

/**
 * Which metric lines to keep, in file order: those of finished trials, each step once and in
 * rising order per trial. A repeated or earlier step is a second copy (two runs once wrote the
 * same folder); the first copy is kept. Holds one number per trial, not per line.
 */
function metricFilter(finished: ReadonlyMap<string, unknown>): (value: unknown) => boolean {
  const last = new Map<string, number>();
  return (value) => {
    if (!(isPlainObject(value) && typeof value.trialId === 'string' && typeof value.step === 'number' && finished.has(value.trialId))) return false;
    const prev = last.get(value.trialId);
    if (prev !== undefined && value.step <= prev) return false;
    last.set(value.trialId, value.step);
    return true;
  };
}

const FINISHED: ReadonlySet<Outcome> = new Set<Outcome>(['succeeded', 'diverged', 'failed']);

function isRecord(v: unknown): v is TrialRecord {
  return isPlainObject(v) && typeof v.id === 'string' && typeof v.outcome === 'string' && (OUTCOMES as readonly string[]).includes(v.outcome);
}

export class SweepOutput {
  /** finished trials by id (from earlier runs and this one) */
  readonly finished = new Map<string, FinishedTrial>();
  private trials: JsonlAppender | null = null;
  private metrics: JsonlAppender | null = null;
  /** trials that wrote metric lines in this run but have no record yet */
  private unrecorded = new Set<string>();

  private constructor(readonly dir: string) {}

  path(file: keyof typeof OUTPUT_FILES): string {
    return join(this.dir, OUTPUT_FILES[file]);
  }

  /** Opens (creating or resuming) the folder; returns it with what had to be cleaned up. */
  static async open(dir: string, opts: OpenOptions): Promise<{ output: SweepOutput; cleanup: Cleanup }> {
    try {
      makeFolder(dir);
    } catch (err) {
      throw folderAccessError(dir, err);
    }
    const out = new SweepOutput(dir);
    const cleanup: Cleanup = { records: 0, metricLines: 0, rerun: [] };
    const adopted = await out.checkOwner(opts);
    if (adopted) cleanup.adopted = adopted;

    // trials.jsonl: keep the first complete record of each finished trial
    const keep: { id: string; raw: string }[] = [];
    let tornTrials = false;
    for await (const { raw, value } of readJsonl(out.path('trials'), () => (tornTrials = true))) {
      const ok = isRecord(value) && FINISHED.has(value.outcome) && !out.finished.has(value.id) && !(opts.retryFailed && value.outcome === 'failed');
      if (!ok) {
        cleanup.records++;
        continue;
      }
      out.finished.set(value.id, finishedTrial(value));
      keep.push({ id: value.id, raw });
    }
    // a torn last metric line of a finished trial: its metrics are incomplete, so it runs again
    const metrics = await out.scanMetrics();
    const tornOf = metrics.torn === null ? undefined : tornTrialId(metrics.torn);
    if (tornOf !== undefined && out.finished.has(tornOf)) {
      out.finished.delete(tornOf);
      cleanup.rerun.push(tornOf);
      cleanup.records++;
    }
    if (cleanup.records || tornTrials) {
      cleanup.records += tornTrials ? 1 : 0;
      await rewriteJsonl(out.path('trials'), keep.filter((k) => out.finished.has(k.id)).map((k) => k.raw));
    }
    keep.length = 0;

    cleanup.metricLines = metrics.orphans || metrics.torn !== null || cleanup.rerun.length ? await out.dropOrphanMetrics() : 0;
    out.trials = new JsonlAppender(out.path('trials'));
    out.metrics = new JsonlAppender(out.path('metrics'));
    return { output: out, cleanup };
  }

  /**
   * Who the folder belongs to: spec.json's name if it is readable; otherwise the sweepId of
   * the trial records, so a folder whose spec.json was deleted or damaged is never taken over by
   * another sweep. Returns a note when spec.json was unusable but the records are this sweep's.
   */
  private async checkOwner(opts: OpenOptions): Promise<string | undefined> {
    const spec = readSpecName(this.path('spec'));
    if (typeof spec === 'object') {
      if (spec.name !== opts.name) throw new OutputFolderError(`${this.dir} holds sweep "${spec.name}", not "${opts.name}"; choose another --out`);
      return undefined;
    }
    const ours = new Set([opts.name, ...(opts.sweepId ? [opts.sweepId] : [])]);
    let records = 0;
    let mine = 0;
    let other: string | null = null;
    for await (const { value } of readJsonl(this.path('trials'))) {
      if (!isRecord(value)) continue;
      records++;
      const id: unknown = (value as { sweepId?: unknown }).sweepId;
      if (typeof id === 'string' && ours.has(id)) mine++;
      else other ??= typeof id === 'string' ? `of sweep "${id}"` : 'without a sweep name';
    }
    if (!records) return undefined;
    const what = spec === 'missing' ? 'no spec.json' : 'a spec.json that is not valid';
    if (other !== null) {
      throw new OutputFolderError(`${this.dir} holds ${records} trial record(s), some ${other}, and ${what}, so it cannot be shown to be "${opts.name}"'s; choose another --out (or move trials.jsonl and metrics.jsonl out of it to start afresh)`);
    }
    return `${this.dir} had ${what}; its ${mine} trial record(s) are sweep "${opts.name}"'s (their sweepId), so the folder is kept and spec.json written again`;
  }

  /** Metric lines without a finished trial, and the torn last line if there is one. */
  private async scanMetrics(): Promise<{ orphans: number; torn: string | null }> {
    let orphans = 0;
    let torn: string | null = null;
    const keep = metricFilter(this.finished);
    for await (const { value } of readJsonl(this.path('metrics'), (raw) => (torn = raw))) {
      if (!keep(value)) orphans++;
    }
    return { orphans, torn };
  }

  /**
   * Removes metric lines whose trial has no record (a run stopped mid-trial) and second copies
   * of a line, streaming the file and replacing it atomically only when something is dropped.
   * Returns lines dropped.
   */
  private async dropOrphanMetrics(): Promise<number> {
    const { orphans, torn } = await this.scanMetrics();
    if (!orphans && torn === null) return 0;
    const finished = this.finished;
    const metricsPath = this.path('metrics');
    async function* kept(): AsyncGenerator<string> {
      const keep = metricFilter(finished);
      for await (const { raw, value } of readJsonl(metricsPath)) {
        if (keep(value)) yield raw;
      }
    }
    await rewriteJsonl(metricsPath, kept());
    return orphans + (torn !== null ? 1 : 0);
  }

  writeMetric(m: MetricMessage): void {
    this.unrecorded.add(m.trialId);
    this.metrics!.append(m);
  }

  /** Appends the trial's record and makes it durable: from here on the trial never reruns. */
  writeRecord(rec: TrialRecord): void {
    this.trials!.append(rec);
    this.trials!.sync();
    this.unrecorded.delete(rec.id);
    this.finished.set(rec.id, { outcome: rec.outcome, final: rec.final, step: rec.step });
  }

  /** Counts of finished trials by outcome. */
  counts(): Record<Outcome, number> {
    const c = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
    for (const t of this.finished.values()) c[t.outcome]++;
    return c;
  }

  async writeJson(file: 'summary' | 'spec', value: unknown): Promise<void> {
    await writeFileAtomic(this.path(file), `${JSON.stringify(value, null, 2)}\n`);
  }

  /**
   * Closes the files. Metric lines of trials stopped before their record (Ctrl-C) are removed
   * so the folder is consistent as it stands, not only after the next resume.
   */
  async close(): Promise<void> {
    this.trials?.close();
    this.metrics?.close();
    this.trials = this.metrics = null;
    if (this.unrecorded.size) await this.dropOrphanMetrics();
    this.unrecorded.clear();
  }
}
