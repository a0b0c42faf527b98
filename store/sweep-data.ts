// A cluster sweep's results gathered from NATS: its spec and plans (SWEEP_PLANS), the outcome
// of each trial (SWEEP_EVENTS) and every evaluation point (SWEEP_METRICS), turned into the
// output folder an embedded run writes (trials.jsonl, metrics.jsonl, spec.json; the analysis
// adds summary.json and report.html).
import type { NatsConnection } from '@nats-io/transport-node';
import type { AnyResolvedSweep } from '../core/config/spec.js';
import type { MetricMessage, TrialEvent } from '../core/messages.js';
import { trialRecord, type TrialRecord, type TrialResult } from '../core/outcome.js';
import { SweepOutput } from '../core/output/folder.js';
import type { TrialPlan } from '../core/search/strategy.js';
import type { AnyTrialConfig } from '../core/config/command-trial.js';
import { readSweepEvents, readSweepMetrics } from './reader.js';
import { PlanStore } from './plans.js';
import { resultFromEvents } from './trial-result.js';
import { AttemptJudge, BACKEND, LR_CONVENTION } from '../core/protocol/attempt.js';

export interface SweepData {
  sweepId: string;
  spec: unknown;
  resolved: AnyResolvedSweep;
  plans: TrialPlan<AnyTrialConfig>[];
  /** finished trials (succeeded, diverged, failed), in plan order */
  records: TrialRecord[];
  /** evaluation points of those trials, one per (trial, step) */
  metrics: MetricMessage[];
  /** trials planned but without an outcome yet (running, or cancelled) */
  unfinished: number;
  /** trials whose latest attempt was cancelled (no record: a rerun runs them; counted in the summary) */
  cancelled: number;
}

export class SweepNotFoundError extends Error {}

/**
 * Gathers a sweep's data. `resolve` turns the stored spec into its trial plans and decides how
 * an invalid one is reported (a non-retryable failure in an activity, a ConfigError for the CLI).
 */
export async function collectSweep(nc: NatsConnection, sweepId: string, resolve: (spec: unknown) => AnyResolvedSweep): Promise<SweepData> {
  const store = await PlanStore.open(nc);
  const spec = await store.spec(sweepId);
  if (spec === undefined) throw new SweepNotFoundError(`sweep ${sweepId} has no stored plan (it never started planning, or its data was removed)`);
  const resolved = resolve(spec);
  const plans = await store.allPlans(sweepId);
  const byTrial = new Map<string, TrialEvent[]>();
  for (const e of await readSweepEvents(nc, sweepId)) {
    let list = byTrial.get(e.trialId);
    if (!list) byTrial.set(e.trialId, (list = []));
    list.push(e);
  }
  const command = resolved.spec.trainer.kind === 'command';
  const metricsOf = command ? byTrialId(await readSweepMetrics(nc, sweepId)) : new Map<string, MetricMessage[]>();
  const records: TrialRecord[] = [];
  let cancelled = 0;
  for (const plan of plans) {
    const r = resultFromEvents(plan.id, byTrial.get(plan.id) ?? []);
    if (r?.outcome === 'cancelled') cancelled++;
    if (!r || r.outcome === 'cancelled') continue;
    // The result fields alone (not the attempt and time resultFromEvents adds).
    const result: TrialResult = {
      trialId: r.trialId, outcome: r.outcome, step: r.step, final: r.final, backend: r.backend,
      lrConvention: r.lrConvention, durationMs: r.durationMs,
    };
    if (r.error !== undefined) result.error = r.error;
    if (r.divergence) result.divergence = r.divergence;
    if (r.giantStep) result.giantStep = r.giantStep;
    if (r.continual) result.continual = r.continual;
    if (command) commandDefaults(result, sweepId, metricsOf.get(plan.id) ?? []);
    records.push(trialRecord(sweepId, plan, result, r.attempt, r.time ?? new Date(0).toISOString()));
  }
  const recorded = new Set(records.map((r) => r.id));
  const metrics = (await readSweepMetrics(nc, sweepId)).filter((m) => recorded.has(m.trialId));
  return { sweepId, spec, resolved, plans, records, metrics, unfinished: plans.length - records.length, cancelled };
}

function byTrialId<T extends { trialId: string }>(items: T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    let list = m.get(it.trialId);
    if (!list) m.set(it.trialId, (list = []));
    list.push(it);
  }
  return m;
}

/**
 * A command trial's record as the embedded runner's AttemptJudge makes it: the final event's
 * metrics over what the last finite metric said, and the protocol's backend and lr convention
 * when the trainer named none.
 */
function commandDefaults(result: TrialResult, sweepId: string, metrics: MetricMessage[]): void {
  const judge = new AttemptJudge(sweepId, result.trialId, 1);
  for (const m of metrics) if (m.step <= result.final.step) judge.receive(m, '');
  result.final = { ...judge.lastFinal, ...result.final };
  if (!result.lrConvention) result.lrConvention = LR_CONVENTION;
  if (result.backend === 'unknown') result.backend = BACKEND;
}

/**
 * The resolved spec as the embedded runner stores it in spec.json, except that a spec without
 * an `analysis` section has none here either: analyzeFolder then runs the default analyses, as
 * `sweep run` does (an empty section would mean "no analyses").
 */
export function specJson(resolved: AnyResolvedSweep): unknown {
  const spec = resolved.spec;
  return {
    name: spec.name, description: spec.description, ...(spec.trainer.kind === 'command' ? { trainer: spec.trainer } : {}), base: spec.base,
    axes: spec.grid.axes.map((a) => ({ path: a.path, values: a.values, kind: a.kind })), search: spec.search,
    ...(spec.analysis ? { analysis: spec.analysis } : {}), execution: spec.execution,
  };
}

/** Writes trials.jsonl, metrics.jsonl and spec.json of `data` into `dir` (created if needed). */
export async function writeSweepFolder(dir: string, data: SweepData): Promise<SweepOutput> {
  const { output } = await SweepOutput.open(dir, { name: data.resolved.spec.name });
  await output.writeJson('spec', specJson(data.resolved));
  const byTrial = new Map<string, MetricMessage[]>();
  for (const m of data.metrics) {
    let list = byTrial.get(m.trialId);
    if (!list) byTrial.set(m.trialId, (list = []));
    list.push(m);
  }
  for (const rec of data.records) {
    if (output.finished.has(rec.id)) continue; // already in a folder being refreshed
    // A trial's metric lines, then its record: the order the embedded runner writes them in.
    for (const m of byTrial.get(rec.id) ?? []) output.writeMetric(m);
    output.writeRecord(rec);
  }
  return output;
}
