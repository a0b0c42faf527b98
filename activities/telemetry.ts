// Where the orchestrator worker and the aggregator report what happens, for metrics exporters
// (Prometheus). Every hook is optional and must not throw or block: callers ignore errors.
import type { MetricMessage } from '../core/messages.js';
import type { RejectReason } from '../core/message-schema.js';
import type { Outcome } from '../core/outcome.js';
import type { TrialSummary } from '../store/trial-summary.js';

export interface TrialAttemptInfo {
  sweepId: string;
  trialId: string;
  attempt: number;
  executor: string;
}

export interface TelemetryHooks {
  /** a trial attempt was handed to an executor */
  trialStarted?(info: TrialAttemptInfo): void;
  /** a trial attempt ended with an outcome the workflow records */
  trialFinished?(info: TrialAttemptInfo & { outcome: Outcome; durationMs: number }): void;
  /** a trial attempt failed for an infrastructure reason (it may be retried) */
  trialAttemptFailed?(info: TrialAttemptInfo & { kind: string; retryable: boolean; message: string }): void;
  /** executor progress (phase changes such as Pending → Running, with the time since launch) */
  trialPhase?(info: TrialAttemptInfo & { phase: string; sinceLaunchMs: number }): void;
  /** the analysis of a sweep was stored; `summary` is summary.json */
  sweepAnalyzed?(sweepId: string, summary: unknown): void;
  /** the aggregator stored and acknowledged `count` messages of a stream */
  ingested?(stream: 'metrics' | 'events', count: number): void;
  /** the aggregator changed a trial's summary (a terminal status means: drop its live series) */
  trialSummary?(summary: TrialSummary): void;
  /** messages stored in a stream but not yet aggregated */
  consumerLag?(stream: 'metrics' | 'events', pending: number): void;
  /** an evaluation point of a running trial, where no aggregator sees it (embedded runs) */
  metric?(m: MetricMessage): void;
  /** a call to an API (kubernetes, nats, temporal) failed */
  apiError?(kind: string): void;
  /** a received bus message was dropped (the aggregator, the embedded pool) */
  messageRejected?(reason: RejectReason): void;
}

/** Calls a hook, never letting an exporter's error reach the caller. */
export function callHook<K extends keyof TelemetryHooks>(hooks: TelemetryHooks | undefined, name: K, ...args: Parameters<NonNullable<TelemetryHooks[K]>>): void {
  const fn = hooks?.[name] as ((...a: unknown[]) => void) | undefined;
  if (!fn) return;
  try {
    fn.apply(hooks, args);
  } catch {
    // telemetry must never break the work it observes
  }
}
