// Shared by the lr search strategies: grouping planned trials by every axis but the lr (and
// the seed), and deriving a new plan that differs from an existing one only in its lr.
import type { TrialConfig } from '../config/trial.js';
import { setPath, type Json } from '../grid/paths.js';
import { trialId } from '../ids.js';
import { classifyStability, levelStability, type StabilityRule, type TrialStability } from '../stability.js';
import type { SearchState, TrialPlan } from './strategy.js';

export const SEED_AXIS = 'seed';

/** Generated values are rounded like grid values (12 significant digits) so ids agree. */
export function roundLr(v: number): number {
  return v === 0 ? 0 : Number(v.toPrecision(12));
}

export function groupKey(plan: TrialPlan, exclude: readonly string[]): string {
  const entries = Object.entries(plan.axes).filter(([k]) => !exclude.includes(k)).sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify(entries);
}

export function lrOf(plan: TrialPlan, lrPath: string): number {
  const v = plan.axes[lrPath];
  return typeof v === 'number' ? roundLr(v) : NaN;
}

/** Plans grouped by all axes except `exclude`, in first-seen order. */
export function groupPlans(plans: readonly TrialPlan[], exclude: readonly string[]): Map<string, TrialPlan[]> {
  const groups = new Map<string, TrialPlan[]>();
  for (const p of plans) {
    const k = groupKey(p, exclude);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(p);
  }
  return groups;
}

/** The same trial at another learning rate (new config, new id, new axis value). */
export function withLr(plan: TrialPlan, lrPath: string, lr: number): TrialPlan {
  const value = roundLr(lr);
  const config = setPath(plan.config as unknown as Json, lrPath, value) as unknown as TrialConfig;
  return { id: trialId(config), config, axes: { ...plan.axes, [lrPath]: value } };
}

export type Stability = 'pending' | 'stable' | 'unstable';

/**
 * A set of trials (one lr, all seeds) under a stability rule (core/stability.ts, the one the
 * phase-diagram analysis uses): stable when at least one trial is stable and none is unstable or
 * unclassified; failed or cancelled trials say nothing, and a level of only those is unstable.
 */
export function stability(plans: readonly TrialPlan[], state: SearchState, rule: StabilityRule = 'bound'): Stability {
  const verdicts: (TrialStability | null)[] = [];
  for (const p of plans) {
    const r = state.finished[p.id];
    if (!r) return 'pending';
    verdicts.push(classifyStability({ ...r, divergenceFactor: p.config.train.divergenceFactor, peakLossRatio: r.final?.peakLossRatio }, rule));
  }
  return levelStability(verdicts) ?? 'unstable';
}
