// A trial's result, rebuilt from the lifecycle events its trainer stored in SWEEP_EVENTS: the
// terminal event of the latest attempt (finished / diverged / failed / cancelled), completed by
// that attempt's `started` event.
import type { TrialEvent } from '../core/messages.js';
import { outcomeOfEvent, type TrialResult } from '../core/outcome.js';

export interface ResultWithAttempt extends TrialResult {
  attempt: number;
  /** time of the terminal event (ISO 8601) */
  time?: string;
}

/** `events` in stream order; undefined when no terminal event is stored. */
export function resultFromEvents(trialId: string, events: TrialEvent[]): ResultWithAttempt | undefined {
  let terminal: TrialEvent | undefined;
  for (const e of events) {
    if (e.trialId !== trialId || !outcomeOfEvent(e.event)) continue;
    if (!terminal || (e.attempt ?? 1) >= (terminal.attempt ?? 1)) terminal = e;
  }
  if (!terminal) return undefined;
  const attempt = terminal.attempt ?? 1;
  const started = [...events].reverse().find((e) => e.trialId === trialId && e.event === 'started' && (e.attempt ?? 1) <= attempt);
  const r: ResultWithAttempt = {
    trialId,
    outcome: outcomeOfEvent(terminal.event)!,
    step: terminal.step ?? terminal.final?.step ?? 0,
    final: terminal.final ?? { step: terminal.step ?? 0 },
    backend: terminal.backend ?? started?.backend ?? 'unknown',
    lrConvention: terminal.lrConvention ?? started?.lrConvention ?? '',
    durationMs: terminal.durationMs ?? 0,
    attempt,
  };
  if (terminal.error !== undefined) r.error = terminal.error;
  if (terminal.divergence) r.divergence = terminal.divergence;
  if (terminal.continual) r.continual = terminal.continual;
  if (terminal.giantStep) r.giantStep = terminal.giantStep;
  if (terminal.time) r.time = terminal.time;
  return r;
}
