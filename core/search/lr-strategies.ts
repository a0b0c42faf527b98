// The lr search strategies by spec kind, for the embedded runner and the cluster workflow.
import type { SearchConfig } from './schema.js';
import type { SearchStrategy, TrialPlan } from './strategy.js';
import { LrDescentStrategy } from './lr-descent.js';
import { LrRefineStrategy } from './lr-refine.js';

/** The strategy for an `lr-descent` or `lr-refine` search over the grid's plans; null for other kinds. */
export function createLrStrategy(search: SearchConfig, plans: readonly TrialPlan[]): SearchStrategy | null {
  if (search.kind === 'lr-descent') return new LrDescentStrategy(search, plans);
  if (search.kind === 'lr-refine') return new LrRefineStrategy(search, plans);
  return null;
}
