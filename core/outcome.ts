// Trial outcomes and the record kept for each trial (one line of trials.jsonl).
import type { TrialConfig } from './config/trial.js';
import type { ContinualResult, FinalMetrics, GiantStepResult } from './messages.js';
import type { Divergence } from './divergence.js';

/**
 * succeeded: ran all steps. diverged: loss non-finite or above the bound at `step` (which of
 * the two: `divergence`), a valid result. failed: an error, message kept. cancelled: stopped by
 * the user.
 */
export const OUTCOMES = ['succeeded', 'diverged', 'failed', 'cancelled'] as const;
export type Outcome = (typeof OUTCOMES)[number];

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
  config: TrialConfig;
  /** values of the sweep's axes for this trial, by dotted path (for grouping in analyses) */
  axes: Record<string, unknown>;
  attempt?: number;
  finishedAt: string;
}
