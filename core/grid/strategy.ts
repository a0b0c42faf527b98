// The `grid` and `random` searches as SearchStrategy objects: both run a fixed list of trials
// (the whole grid, or the random sample drawn when the spec was resolved), all proposed at once.
import type { AnyTrialConfig, CommandTrialConfig } from '../config/command-trial.js';
import type { CommandSweep, ResolvedSweep } from '../config/spec.js';
import { createLrStrategy } from '../search/lr-strategies.js';
import type { SearchState, SearchStep, SearchStrategy, TrialPlan } from '../search/strategy.js';

export class FixedPlanStrategy<P extends TrialPlan<AnyTrialConfig> = TrialPlan> implements SearchStrategy<P> {
  constructor(readonly kind: 'grid' | 'random', private readonly plans: readonly P[]) {}

  step(state: SearchState<P>): SearchStep<P> {
    const planned = new Set(state.planned.map((p) => p.id));
    return { next: this.plans.filter((p) => !planned.has(p.id)), done: true };
  }
}

/** A command-trainer sweep's strategy: its grid or random sample (the lr searches need the built-in trainer). */
export function createCommandStrategy(resolved: CommandSweep): SearchStrategy<TrialPlan<CommandTrialConfig>> {
  const kind = resolved.spec.search.kind;
  if (kind !== 'grid' && kind !== 'random') throw new Error(`search ${kind} cannot drive a command trainer`);
  return new FixedPlanStrategy(kind, resolved.plans);
}

/** The strategy a resolved spec asks for, starting from its planned trials. */
export function createStrategy(resolved: ResolvedSweep): SearchStrategy {
  const search = resolved.spec.search;
  if (search.kind === 'grid' || search.kind === 'random') return new FixedPlanStrategy(search.kind, resolved.plans);
  const lr = createLrStrategy(search, resolved.plans, resolved.spec.analysis?.phaseDiagram?.stability ?? 'bound');
  if (!lr) throw new Error(`search ${(search as { kind: string }).kind} has no strategy`);
  return lr;
}
