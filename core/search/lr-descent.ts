// `lr-descent` (P3, arXiv 2410.04642; Pehlevan-Group/Richness_Sweep): per group, start at the
// largest lr of the grid and step down until a level is stable, then run the levels within
// `decades` decades below that first stable lr at once. Stable means what the phase-diagram
// analysis means by it (`analysis.phaseDiagram.stability`: bound or finite, core/stability.ts). Larger lrs than the
// first unstable ones are never run: they are hopeless, and they are the expensive part of a
// γ–η sweep.
import type { z } from 'zod';
import type { lrDescentSchema } from './schema.js';
import { groupPlans, lrOf, SEED_AXIS, stability } from './plan-groups.js';
import type { SearchState, SearchStep, SearchStrategy, TrialPlan } from './strategy.js';
import type { StabilityRule } from '../stability.js';

export type LrDescentConfig = z.output<typeof lrDescentSchema>;

interface Level {
  lr: number;
  plans: TrialPlan[];
}

export class LrDescentStrategy implements SearchStrategy {
  readonly kind = 'lr-descent';
  /** per group: lr levels, largest first */
  private readonly groups: Level[][];

  constructor(
    private readonly cfg: Pick<LrDescentConfig, 'lr' | 'decades'>,
    plans: readonly TrialPlan[],
    private readonly rule: StabilityRule = 'bound',
  ) {
    this.groups = [...groupPlans(plans, [cfg.lr, SEED_AXIS]).values()].map((ps) => {
      const byLr = new Map<number, TrialPlan[]>();
      for (const p of ps) {
        const lr = lrOf(p, cfg.lr);
        if (!Number.isFinite(lr)) throw new Error(`lr-descent: trial ${p.id} has no numeric value on the axis ${cfg.lr}`);
        let l = byLr.get(lr);
        if (!l) byLr.set(lr, (l = []));
        l.push(p);
      }
      return [...byLr.entries()].sort((a, b) => b[0] - a[0]).map(([lr, plans]) => ({ lr, plans }));
    });
  }

  step(state: SearchState): SearchStep {
    const planned = new Set(state.planned.map((p) => p.id));
    const next: TrialPlan[] = [];
    let done = true;
    const propose = (level: Level) => {
      for (const p of level.plans) if (!planned.has(p.id)) { planned.add(p.id); next.push(p); }
    };
    for (const levels of this.groups) {
      for (let i = 0; i < levels.length; i++) {
        const level = levels[i];
        if (level.plans.some((p) => !planned.has(p.id))) {
          // the descent has reached this level: run it and wait for its outcome
          propose(level);
          done = false;
          break;
        }
        const s = stability(level.plans, state, this.rule);
        if (s === 'pending') { done = false; break; }
        if (s === 'stable') {
          // first stable lr: everything within `decades` decades below it, all at once
          const floor = level.lr * Math.pow(10, -this.cfg.decades) * (1 - 1e-9);
          for (const below of levels.slice(i + 1)) if (below.lr >= floor) propose(below);
          break;
        }
        // unstable: keep descending (a group where every level diverged ends here)
      }
    }
    return { next, done };
  }
}
