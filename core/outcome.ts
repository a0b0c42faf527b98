// Trial outcomes and the record kept for each trial (one line of trials.jsonl).
import type { AnyTrialConfig } from './config/command-trial.js';
import type { ContinualResult, FinalMetrics, GiantStepResult, TrialEventKind } from './messages.js';
import type { Divergence } from './divergence.js';

/**
 * succeeded: ran all steps. diverged: loss non-finite or above the bound at `step` (which of
 * the two: `divergence`), a valid result. failed: an error, message kept. cancelled: stopped by
 * the user.
 */
export const OUTCOMES = ['succeeded', 'diverged', 'failed', 'cancelled'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** The terminal event a trainer stores for each outcome (a succeeded trial's is `finished`). */
export const OUTCOME_EVENT: Readonly<Record<Outcome, Exclude<TrialEventKind, 'started'>>> = {
  succeeded: 'finished', diverged: 'diverged', failed: 'failed', cancelled: 'cancelled',
};

const EVENT_OUTCOME: ReadonlyMap<string, Outcome> = new Map(OUTCOMES.map((o) => [OUTCOME_EVENT[o], o]));

/** The outcome a terminal event stands for; undefined for `started` and anything else. */
export function outcomeOfEvent(event: string): Outcome | undefined {
  return EVENT_OUTCOME.get(event);
}

/** What running one trial produced; the same shape from the embedded pool and from a pod. */
export interface TrialResult {
  trialId: string;
  outcome: Outcome;
  /** last step reached; for diverged, the step whose loss diverged */
  step: number;
  error?: string;
  /** diverged only: the loss became non-finite, or exceeded divergenceFactor × initial loss */
  divergence?: Divergence;
  final: FinalMetrics;
  continual?: ContinualResult;
  giantStep?: GiantStepResult;
  backend: string;
  lrConvention: string;
  durationMs: number;
}

/** One line of trials.jsonl. */
export interface TrialRecord extends TrialResult {
  id: string;
  sweepId: string;
  config: AnyTrialConfig;
  /** values of the sweep's axes for this trial, by dotted path (for grouping in analyses) */
  axes: Record<string, unknown>;
  attempt?: number;
  finishedAt: string;
}

/**
 * The record of a finished trial: its plan and what running it produced. Every writer of
 * trials.jsonl (the embedded runner, a cluster sweep's report) builds it here, so the records
 * have the same fields in the same order.
 */
export function trialRecord(
  sweepId: string, plan: { id: string; config: AnyTrialConfig; axes: Record<string, unknown> }, result: TrialResult,
  attempt: number, finishedAt: string,
): TrialRecord {
  return { id: plan.id, sweepId, ...result, trialId: plan.id, config: plan.config, axes: plan.axes, attempt, finishedAt };
}
