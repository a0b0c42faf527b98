// Whether a finished trial counts as stable at its learning rate, by one of two rules (docs/science.md §3):
//   bound:  the trial ran to the end without its loss exceeding divergenceFactor × the initial loss
//           (or turning non-finite): the product's default; a run with the bound off is judged
//           afterwards by its recorded peak loss against the default factor 10⁶;
//   finite: no non-finite loss over the whole run (P3, arXiv 2410.04642). Only meaningful when the
//           bound was off (train.divergenceFactor: 0), so that a large finite loss did not end it.
// The phase-diagram analysis and the lr-descent search classify trials with the same function.
import type { Divergence } from './divergence.js';
import type { Outcome } from './outcome.js';

export const STABILITY_RULES = ['bound', 'finite'] as const;
export type StabilityRule = (typeof STABILITY_RULES)[number];

export { DIVERGENCE_REASONS, type Divergence } from './divergence.js';

/** unclassified: the rule cannot tell from this trial (the way it ended hides the answer). */
export type TrialStability = 'stable' | 'unstable' | 'unclassified';

export interface StabilityEvidence {
  outcome: Outcome;
  divergence?: Divergence;
  /** the trial's train.divergenceFactor (0: the bound was off) */
  divergenceFactor: number;
  /** a finished trial's largest training loss over its initial loss (FinalMetrics.peakLossRatio) */
  peakLossRatio?: number;
}

/** The factor the bound rule applies to a run that trained with the bound off: the trainer's default. */
export const DEFAULT_DIVERGENCE_FACTOR = 1e6;

/** The trial's stability under `rule`; null when it has no result (failed or cancelled). */
export function classifyStability(t: StabilityEvidence, rule: StabilityRule): TrialStability | null {
  if (t.outcome !== 'succeeded' && t.outcome !== 'diverged') return null;
  if (rule === 'bound') {
    if (t.outcome === 'diverged') return 'unstable';
    if (t.divergenceFactor > 0) return 'stable';
    // the bound was off: judge the run by its recorded peak against the default bound
    if (t.peakLossRatio === undefined || !Number.isFinite(t.peakLossRatio)) return 'unclassified';
    return t.peakLossRatio > DEFAULT_DIVERGENCE_FACTOR ? 'unstable' : 'stable';
  }
  if (t.outcome === 'succeeded') return 'stable';
  // stopped by the bound (or a record that does not say why): whether the loss would have turned
  // non-finite later is unknown
  return t.divergence === 'nonfinite' ? 'unstable' : 'unclassified';
}

/**
 * One lr level (all seeds): unstable when any seed is unstable or unclassified (unclassified
 * counts as unstable, the conservative reading), stable when at least one seed is stable and
 * none is either, null when no seed has a result.
 */
export function levelStability(trials: readonly (TrialStability | null)[]): 'stable' | 'unstable' | null {
  let stable = 0;
  for (const s of trials) {
    if (s === 'unstable' || s === 'unclassified') return 'unstable';
    if (s === 'stable') stable++;
  }
  return stable ? 'stable' : null;
}
