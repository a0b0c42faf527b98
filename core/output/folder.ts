// The output folder of an embedded sweep (README "Output folder"), written as results
// arrive and reopened to resume. Invariant kept on every exit path: each trial in
// trials.jsonl appears once, and metrics.jsonl holds only lines of trials in trials.jsonl.
// A run killed without warning can leave metric lines of unfinished trials; opening the
// folder again removes them (atomically) before those trials rerun.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricMessage } from '../messages.js';
import { OUTCOMES, type Outcome, type TrialRecord } from '../outcome.js';
import { finishedTrial, type FinishedTrial } from '../search/strategy.js';
import { isPlainObject } from '../grid/paths.js';
import { JsonlAppender, readJsonl, rewriteJsonl, writeFileAtomic } from './jsonl.js';

export const OUTPUT_FILES = {
  trials: 'trials.jsonl',
  metrics: 'metrics.jsonl',
  summary: 'summary.json',
  report: 'report.html',
  /** the resolved spec the folder belongs to (lets `sweep analyze DIR` find the analysis section) */
  spec: 'spec.json',
} as const;

/** What the search strategies and the progress display need of a finished trial. */
export type { FinishedTrial } from '../search/strategy.js';

/** An output folder that belongs to another sweep, or is unusable. */
export class OutputFolderError extends Error {}

export interface OpenOptions {
  /** the sweep's name; a folder holding another sweep is refused */
  name: string;
  /** forget failed trials so they run again */
  retryFailed?: boolean;
}

/** What opening the folder had to clean up. */
export interface Cleanup {
  /** records dropped: duplicates, cancelled, unreadable, or failed with retryFailed */
  records: number;
  /** metric lines of trials without a kept record, or unreadable */
  metricLines: number;
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
    mkdirSync(dir, { recursive: true });
    const out = new SweepOutput(dir);
    out.checkOwner(opts.name);
    const cleanup: Cleanup = { records: 0, metricLines: 0 };

    // trials.jsonl: keep the first complete record of each finished trial
    const keep: string[] = [];
    let tornTrials = false;
    for await (const { raw, value } of readJsonl(out.path('trials'), () => (tornTrials = true))) {
      const ok = isRecord(value) && FINISHED.has(value.outcome) && !out.finished.has(value.id) && !(opts.retryFailed && value.outcome === 'failed');
      if (!ok) {
        cleanup.records++;
        continue;
      }
      out.finished.set(value.id, finishedTrial(value));
      keep.push(raw);
    }
    if (cleanup.records || tornTrials) {
      cleanup.records += tornTrials ? 1 : 0;
      await rewriteJsonl(out.path('trials'), keep);
    }
    keep.length = 0;

    cleanup.metricLines = await out.dropOrphanMetrics();
    out.trials = new JsonlAppender(out.path('trials'));
    out.metrics = new JsonlAppender(out.path('metrics'));
    return { output: out, cleanup };
  }

  private checkOwner(name: string): void {
    let text: string;
    try {
      text = readFileSync(this.path('spec'), 'utf8');
    } catch {
      return;
    }
    let owner: unknown;
    try {
      owner = (JSON.parse(text) as { name?: unknown }).name;
    } catch {
      return; // an unreadable spec.json is rewritten by this run
    }
    if (typeof owner === 'string' && owner !== name) {
      throw new OutputFolderError(`${this.dir} holds sweep "${owner}", not "${name}"; choose another --out`);
    }
  }

  /**
   * Removes metric lines whose trial has no record (a run stopped mid-trial), streaming the
   * file and replacing it atomically only when something is dropped. Returns lines dropped.
   */
  private async dropOrphanMetrics(): Promise<number> {
    let dropped = 0;
    let torn = false;
    for await (const { value } of readJsonl(this.path('metrics'), () => (torn = true))) {
      if (!(isPlainObject(value) && typeof value.trialId === 'string' && this.finished.has(value.trialId))) dropped++;
    }
    if (!dropped && !torn) return 0;
    const finished = this.finished;
    const metricsPath = this.path('metrics');
    async function* kept(): AsyncGenerator<string> {
      for await (const { raw, value } of readJsonl(metricsPath)) {
        if (isPlainObject(value) && typeof value.trialId === 'string' && finished.has(value.trialId)) yield raw;
      }
    }
    await rewriteJsonl(metricsPath, kept());
    return dropped + (torn ? 1 : 0);
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
