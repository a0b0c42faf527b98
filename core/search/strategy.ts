// Search strategies decide which trials run next. They are pure (state in, next trials out) so
// the embedded runner and the cluster workflow drive them the same way.
import type { TrialConfig } from '../config/trial.js';
import type { TrialRecord } from '../outcome.js';

/** A trial to run: its resolved config, its id, and its coordinates on the sweep's axes. */
export interface TrialPlan {
  id: string;
  config: TrialConfig;
  axes: Record<string, unknown>;
}

export interface SearchState {
  /** every trial planned so far (in plan order) */
  planned: TrialPlan[];
  /** results of the finished ones, by trial id */
  finished: Record<string, Pick<TrialRecord, 'outcome' | 'final' | 'step'>>;
}

export interface SearchStep {
  /** new trials to run now (never one already planned) */
  next: TrialPlan[];
  /** true when no further trials will ever be proposed */
  done: boolean;
}

export interface SearchStrategy {
  readonly kind: string;
  step(state: SearchState): SearchStep;
}
