// `lr-refine`: run the grid, then per group (every axis but lr and seed, e.g. per width) add
// learning rates inside the bracket around η* (the neighbours of the best lr so far) until that
// bracket is narrower than `width` decades or the group has had `maxRounds` rounds. An η* at
// the edge of the grid is followed outwards instead. Pure: the rounds a group has had are
// counted from the lrs it holds beyond the grid, so the cluster workflow can replay it.
import type { z } from 'zod';
import type { lrRefineSchema } from './schema.js';
import { groupPlans, lrOf, SEED_AXIS, withLr } from './plan-groups.js';
import type { SearchState, SearchStep, SearchStrategy, TrialPlan } from './strategy.js';
import { refineOptimum } from '../analysis/optimum.js';

export type LrRefineConfig = z.output<typeof lrRefineSchema>;

/** Evenly spaced in log, strictly inside (a, b). */
function inside(a: number, b: number, k: number): number[] {
  return Array.from({ length: k }, (_, j) => a * Math.pow(b / a, (j + 1) / (k + 1)));
}

export class LrRefineStrategy implements SearchStrategy {
  readonly kind = 'lr-refine';
  private readonly grid: readonly TrialPlan[];
  private readonly gridLrs = new Map<string, Set<number>>();

  constructor(private readonly cfg: Pick<LrRefineConfig, 'lr' | 'width' | 'maxRounds' | 'perRound'> & { metric?: 'trainLoss' | 'testLoss' }, plans: readonly TrialPlan[]) {
    this.grid = plans;
    for (const [k, ps] of groupPlans(plans, [cfg.lr, SEED_AXIS])) this.gridLrs.set(k, new Set(ps.map((p) => lrOf(p, cfg.lr))));
  }

  /** Seed-mean metric per lr of a group (Infinity when a seed diverged); lrs ascending. */
  private curve(plans: readonly TrialPlan[], state: SearchState): { lrs: number[]; losses: number[] } {
    const metric = this.cfg.metric ?? 'trainLoss';
    const byLr = new Map<number, { s: number; n: number; div: boolean }>();
    for (const p of plans) {
      const r = state.finished[p.id];
      if (!r) continue;
      const lr = lrOf(p, this.cfg.lr);
      const a = byLr.get(lr) ?? { s: 0, n: 0, div: false };
      const v = r.final?.[metric];
      if (r.outcome === 'diverged' || (r.outcome === 'succeeded' && typeof v === 'number' && !Number.isFinite(v))) a.div = true;
      else if (r.outcome === 'succeeded' && typeof v === 'number') { a.s += v; a.n++; }
      else continue;
      byLr.set(lr, a);
    }
    const lrs = [...byLr.keys()].sort((a, b) => a - b);
    return { lrs, losses: lrs.map((lr) => { const a = byLr.get(lr)!; return a.div ? Infinity : a.s / a.n; }) };
  }

  step(state: SearchState): SearchStep {
    const planned = new Set(state.planned.map((p) => p.id));
    const fresh = this.grid.filter((p) => !planned.has(p.id));
    if (fresh.length) return { next: fresh, done: false };
    // Refinement needs every result so far: wait until nothing is in flight.
    if (state.planned.some((p) => !state.finished[p.id])) return { next: [], done: false };
    const { lr: lrPath, width, maxRounds, perRound } = this.cfg;
    const next: TrialPlan[] = [];
    for (const [key, plans] of groupPlans(state.planned, [lrPath, SEED_AXIS])) {
      const gridLrs = this.gridLrs.get(key);
      if (!gridLrs) continue; // not a group of this sweep's grid
      const lrs = new Set(plans.map((p) => lrOf(p, lrPath)));
      const rounds = Math.ceil([...lrs].filter((lr) => !gridLrs.has(lr)).length / perRound);
      if (rounds >= maxRounds) continue;
      const c = this.curve(plans, state);
      const opt = refineOptimum(c.lrs, c.losses);
      if (!opt || c.lrs.length < 2) continue;
      const i = opt.index;
      let candidates: number[];
      if (i === 0 || i === c.lrs.length - 1) {
        // η* at the edge: not bracketed, step outwards by the edge's grid spacing
        const ratio = i === 0 ? c.lrs[0] / c.lrs[1] : c.lrs[i] / c.lrs[i - 1];
        candidates = Array.from({ length: perRound }, (_, j) => c.lrs[i] * Math.pow(ratio, j + 1));
      } else {
        const lo = c.lrs[i - 1], best = c.lrs[i], hi = c.lrs[i + 1];
        if (Math.log10(hi / lo) <= width) continue; // bracket narrow enough
        // split the new points between the two sides, more on the wider side first
        const wideLeft = Math.log(best / lo) >= Math.log(hi / best);
        const left = Math.ceil(perRound / 2), right = Math.floor(perRound / 2);
        const [nl, nr] = wideLeft ? [left, right] : [right, left];
        candidates = [...inside(lo, best, nl), ...inside(best, hi, nr)];
      }
      // every seed of the group gets each new lr (one template trial per seed)
      const templates = new Map<string, TrialPlan>();
      for (const p of plans) {
        const seedKey = JSON.stringify(p.axes[SEED_AXIS] ?? p.config.seed);
        if (!templates.has(seedKey)) templates.set(seedKey, p);
      }
      for (const lr of candidates) {
        for (const t of templates.values()) {
          const plan = withLr(t, lrPath, lr);
          if (!planned.has(plan.id)) { planned.add(plan.id); next.push(plan); }
        }
      }
    }
    return { next, done: next.length === 0 };
  }
}
