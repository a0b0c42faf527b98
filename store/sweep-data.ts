// A cluster sweep's results gathered from NATS: its spec and plans (SWEEP_PLANS), the outcome
// of each trial (SWEEP_EVENTS) and every evaluation point (SWEEP_METRICS), turned into the
// output folder an embedded run writes (trials.jsonl, metrics.jsonl, spec.json; the analysis
// adds summary.json and report.html).
import type { NatsConnection } from '@nats-io/transport-node';
import type { ResolvedSweep } from '../core/config/spec.js';
import type { MetricMessage, TrialEvent } from '../core/messages.js';
import { trialRecord, type TrialRecord, type TrialResult } from '../core/outcome.js';
import { SweepOutput } from '../core/output/folder.js';
import type { TrialPlan } from '../core/search/strategy.js';
import { readSweepEvents, readSweepMetrics } from './reader.js';
import { PlanStore } from './plans.js';
import { resultFromEvents } from './trial-result.js';

export interface SweepData {
  sweepId: string;
  spec: unknown;
  resolved: ResolvedSweep;
  plans: TrialPlan[];
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
export async function collectSweep(nc: NatsConnection, sweepId: string, resolve: (spec: unknown) => ResolvedSweep): Promise<SweepData> {
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
    records.push(trialRecord(sweepId, plan, result, r.attempt, r.time ?? new Date(0).toISOString()));
  }
  const recorded = new Set(records.map((r) => r.id));
  const metrics = (await readSweepMetrics(nc, sweepId)).filter((m) => recorded.has(m.trialId));
  return { sweepId, spec, resolved, plans, records, metrics, unfinished: plans.length - records.length, cancelled };
}

/**
 * The resolved spec as the embedded runner stores it in spec.json, except that a spec without
 * an `analysis` section has none here either: analyzeFolder then runs the default analyses, as
 * `sweep run` does (an empty section would mean "no analyses").
 */
export function specJson(resolved: ResolvedSweep): unknown {
  const spec = resolved.spec;
  return {
    name: spec.name, description: spec.description, base: spec.base,
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
