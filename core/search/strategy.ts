// Search strategies decide which trials run next. They are pure (state in, next trials out) so
// the embedded runner and the cluster workflow drive them the same way.
import type { AnyTrialConfig } from '../config/command-trial.js';
import type { TrialConfig } from '../config/trial.js';
import type { TrialRecord } from '../outcome.js';

/** A trial to run: its resolved config, its id, and its coordinates on the sweep's axes. */
export interface TrialPlan<C extends AnyTrialConfig = TrialConfig> {
  id: string;
  config: C;
  axes: Record<string, unknown>;
}

export interface SearchState<P extends TrialPlan<AnyTrialConfig> = TrialPlan> {
  /** every trial planned so far (in plan order) */
  planned: P[];
  /** results of the finished ones, by trial id */
  finished: Record<string, FinishedTrial>;
}

/** What a strategy reads of a finished trial (divergence: why a diverged trial stopped). */
export type FinishedTrial = Pick<TrialRecord, 'outcome' | 'final' | 'step' | 'divergence'>;

/** The FinishedTrial of a record or result, `divergence` only when set. */
export function finishedTrial(r: FinishedTrial): FinishedTrial {
  const f: FinishedTrial = { outcome: r.outcome, final: r.final, step: r.step };
  if (r.divergence) f.divergence = r.divergence;
  return f;
}

export interface SearchStep<P extends TrialPlan<AnyTrialConfig> = TrialPlan> {
  /** new trials to run now (never one already planned) */
  next: P[];
  /** true when no further trials will ever be proposed */
  done: boolean;
}

export interface SearchStrategy<P extends TrialPlan<AnyTrialConfig> = TrialPlan> {
  readonly kind: string;
  step(state: SearchState<P>): SearchStep<P>;
}
