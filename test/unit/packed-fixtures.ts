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

/** A user's abort: now (before the run), or once the metric message of `step` has been reported. */
export type Abort = { at: 'start' } | { at: number };

function collector(abort?: Abort): { emit(m: BusMessage): void; metrics: MetricMessage[]; events: TrialEvent[]; signal?: AbortSignal } {
  const metrics: MetricMessage[] = [];
  const events: TrialEvent[] = [];
  const control = abort ? new AbortController() : null;
  if (abort?.at === 'start') control!.abort();
  const emit = (m: BusMessage) => {
    if (isEvent(m)) events.push(m);
    else {
      metrics.push(m);
      if (abort && m.step === abort.at) control!.abort();
    }
  };
  return { metrics, events, emit, signal: control?.signal };
}

export async function alone(c: TrialConfigInput, trialId: string, abort?: Abort): Promise<Report> {
  const col = collector(abort);
  const result = await runTrial(trial(c), { sweepId: 'sw', trialId, emit: col.emit, signal: col.signal, attempt: 1 });
  return { result, metrics: col.metrics, events: col.events };
}

export async function packed(cs: readonly TrialConfigInput[], aborts: (Abort | undefined)[] = []): Promise<Report[]> {
  const cols = cs.map((_, i) => collector(aborts[i]));
  const results = await runPack(cs.map((c, i) => ({
    config: trial(c),
    ctx: { sweepId: 'sw', trialId: `t${i}`, emit: cols[i].emit, signal: cols[i].signal, attempt: 1 },
  })));
  return results.map((result, i) => ({ result, metrics: cols[i].metrics, events: cols[i].events }));
}
