// Runs trials packed (runPack) and alone (runTrial) and collects what each reports, for the
// packed trainer's equivalence tests.
import type { BusMessage, MetricMessage, TrialEvent } from '../../core/messages.js';
import { isEvent } from '../../core/messages.js';
import type { TrialConfigInput } from '../../core/config/trial.js';
import type { TrialResult } from '../../core/outcome.js';
import { runTrial } from '../../core/train/run-trial.js';
import { runPack } from '../../core/train/packed/run-pack.js';
import { trial } from './trainer-fixtures.js';

export interface Report {
  result: TrialResult;
  metrics: MetricMessage[];
  events: TrialEvent[];
}

/** What may differ between two runs of one trial: wall-clock time. */
function timeless(e: TrialEvent): TrialEvent {
  const { time: _t, durationMs: _d, ...rest } = e;
  return rest as TrialEvent;
}

export function comparable(r: Report): { result: Omit<TrialResult, 'durationMs'>; metrics: MetricMessage[]; events: TrialEvent[] } {
  const { durationMs: _d, ...result } = r.result;
  return { result, metrics: r.metrics, events: r.events.map(timeless) };
}

function collector(): { emit(m: BusMessage): void; metrics: MetricMessage[]; events: TrialEvent[] } {
  const metrics: MetricMessage[] = [];
  const events: TrialEvent[] = [];
  return { metrics, events, emit: (m) => { if (isEvent(m)) events.push(m); else metrics.push(m); } };
}

export async function alone(c: TrialConfigInput, trialId: string, signal?: AbortSignal): Promise<Report> {
  const col = collector();
  const result = await runTrial(trial(c), { sweepId: 'sw', trialId, emit: col.emit, signal, attempt: 1 });
  return { result, metrics: col.metrics, events: col.events };
}

export async function packed(cs: readonly TrialConfigInput[], signals: (AbortSignal | undefined)[] = []): Promise<Report[]> {
  const cols = cs.map(() => collector());
  const results = await runPack(cs.map((c, i) => ({
    config: trial(c),
    ctx: { sweepId: 'sw', trialId: `t${i}`, emit: cols[i].emit, signal: signals[i], attempt: 1 },
  })));
  return results.map((result, i) => ({ result, metrics: cols[i].metrics, events: cols[i].events }));
}
