// How a page of planned trials is cut into packs for cluster mode: the page's plans reordered so
// each pack's members are contiguous (the scheduler hands trials out in page order), and the
// size of each pack in that order. Pure and deterministic: the workflow hands out packs by
// position, and a run that continues as new reads the same layout again.
import type { AnyTrialConfig } from '../config/command-trial.js';
import { builtinConfig } from '../config/command-trial.js';
import type { TrialConfig } from '../config/trial.js';
import type { TrialPlan } from '../search/strategy.js';
import { groupIntoPacks } from '../train/packed/pack-key.js';

export interface PackedPage<P extends TrialPlan<AnyTrialConfig> = TrialPlan<AnyTrialConfig>> {
  /** the page's plans, each pack's members next to each other */
  plans: P[];
  /** pack sizes in `plans` order (they sum to plans.length) */
  sizes: number[];
}

/**
 * Cuts `plans` into packs of trials with equal pack keys, a pack holding at most
 * `limitOf(config)` trials (equal for equal keys: the limit depends only on shapes). Command
 * trials and trials whose limit is 1 are packs of one. Packs are ordered by their first member.
 */
export function layoutPacks<P extends TrialPlan<AnyTrialConfig>>(plans: readonly P[], limitOf: (config: TrialConfig) => number): PackedPage<P> {
  const byLimit = new Map<number, { plan: P; index: number; config: TrialConfig }[]>();
  const packs: { first: number; members: P[] }[] = [];
  plans.forEach((plan, index) => {
    const config = builtinConfig(plan.config);
    const limit = config ? limitOf(config) : 1;
    if (!config || limit <= 1) {
      packs.push({ first: index, members: [plan] });
      return;
    }
    let group = byLimit.get(limit);
    if (!group) byLimit.set(limit, (group = []));
    group.push({ plan, index, config });
  });
  for (const [limit, group] of byLimit) {
    for (const pack of groupIntoPacks(group, (g) => g.config, limit)) packs.push({ first: pack[0].index, members: pack.map((g) => g.plan) });
  }
  packs.sort((a, b) => a.first - b.first);
  return { plans: packs.flatMap((p) => p.members), sizes: packs.map((p) => p.members.length) };
}
