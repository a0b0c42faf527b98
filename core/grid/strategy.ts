// The `grid` and `random` searches as SearchStrategy objects: both run a fixed list of trials
// (the whole grid, or the random sample drawn when the spec was resolved), all proposed at once.
import type { ResolvedSweep } from '../config/spec.js';
import { createLrStrategy } from '../search/lr-strategies.js';
import type { SearchState, SearchStep, SearchStrategy, TrialPlan } from '../search/strategy.js';

export class FixedPlanStrategy implements SearchStrategy {
  constructor(readonly kind: 'grid' | 'random', private readonly plans: readonly TrialPlan[]) {}

  step(state: SearchState): SearchStep {
    const planned = new Set(state.planned.map((p) => p.id));
    return { next: this.plans.filter((p) => !planned.has(p.id)), done: true };
  }
}

/** The strategy a resolved spec asks for, starting from its planned trials. */
export function createStrategy(resolved: ResolvedSweep): SearchStrategy {
  const search = resolved.spec.search;
  if (search.kind === 'grid' || search.kind === 'random') return new FixedPlanStrategy(search.kind, resolved.plans);
  const lr = createLrStrategy(search, resolved.plans, resolved.spec.analysis?.phaseDiagram?.stability ?? 'bound');
  if (!lr) throw new Error(`search ${(search as { kind: string }).kind} has no strategy`);
  return lr;
}
