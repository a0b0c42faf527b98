// The lr search strategies by spec kind, for the embedded runner and the cluster workflow.
import type { SearchConfig } from './schema.js';
import type { SearchStrategy, TrialPlan } from './strategy.js';
import { LrDescentStrategy } from './lr-descent.js';
import { LrRefineStrategy } from './lr-refine.js';
import type { StabilityRule } from '../stability.js';

/**
 * The strategy for an `lr-descent` or `lr-refine` search over the grid's plans; null for other
 * kinds. `stability`: the spec's analysis.phaseDiagram.stability, so the descent stops where the
 * analysis draws η_max.
 */
export function createLrStrategy(search: SearchConfig, plans: readonly TrialPlan[], stability: StabilityRule = 'bound'): SearchStrategy | null {
  if (search.kind === 'lr-descent') return new LrDescentStrategy(search, plans, stability);
  if (search.kind === 'lr-refine') return new LrRefineStrategy(search, plans);
  return null;
}
