// γ–η phase diagram (P3, arXiv 2410.04642): per γ0 (and depth) the largest stable lr η_max, by
// the spec's stability rule (bound or finite, core/stability.ts) and by every other rule that can
// classify the trials, and the best lr η*; the slopes of log η on log γ0 at small γ0 (expected 2)
// and large γ0 (expected 2/L), plus the top Hessian eigenvalue at init when measured.
import type { AnalysisContext } from './context.js';
import { axisValue, describeGroup, groupTrials, numericAxis } from './groups.js';
import { finalMetric, seedMean, type MetricName } from './metric.js';
import { refineOptimum } from './optimum.js';
import type { TrialRecord } from '../outcome.js';
import { classifyStability, DEFAULT_DIVERGENCE_FACTOR, levelStability, STABILITY_RULES, type StabilityRule } from '../stability.js';
import type { PhaseDiagramSummary, PhaseGamma, PhasePoint, SlopeFit } from './summary.js';
import { distinctSorted, fitLine, mean } from './stats.js';
import { builtinConfig } from '../config/command-trial.js';

export interface PhaseDiagramOptions {
  gamma: string;
  lr: string;
  metric: MetricName;
  stability?: StabilityRule;
  /** the small-γ0 slopes use γ0 ≤ smallMax, the large-γ0 ones γ0 ≥ largeMin (default 1 and 1) */
  smallMax?: number;
  largeMin?: number;
}


const UNCLASSIFIED_WHY: Record<StabilityRule, string> = {
  finite: 'they were stopped by the divergence bound, so whether their loss would have turned non-finite is unknown; run with train.divergenceFactor: 0 to classify them',
  bound: 'they ran without the divergence bound (train.divergenceFactor: 0) and their records carry no peak loss to judge them by afterwards',
};

interface RuleResult {
  etaMax: number | null;
  bracket: [number, number | null] | null;
  /** level verdict per lr that has a result */
  verdicts: Map<number, 'stable' | 'unstable'>;
  unclassified: number;
}

/** η_max at one γ0 by one rule: the largest lr whose seeds are all stable (core/stability.ts). */
function etaMaxBy(lrs: readonly number[], atLr: (lr: number) => TrialRecord[], rule: StabilityRule): RuleResult {
  const verdicts = new Map<number, 'stable' | 'unstable'>();
  let unclassified = 0;
  for (const lr of lrs) {
    const each = atLr(lr).map((t) => classifyStability({
      outcome: t.outcome, divergence: t.divergence, divergenceFactor: builtinConfig(t.config)?.train?.divergenceFactor ?? DEFAULT_DIVERGENCE_FACTOR,
      peakLossRatio: t.final?.peakLossRatio,
    }, rule));
    unclassified += each.filter((v) => v === 'unclassified').length;
    const v = levelStability(each);
    if (v) verdicts.set(lr, v);
  }
  const stable = [...verdicts].filter(([, v]) => v === 'stable').map(([lr]) => lr);
  const etaMax = stable.length ? Math.max(...stable) : null;
  const above = etaMax === null ? null : [...verdicts.keys()].filter((lr) => lr > etaMax).sort((a, b) => a - b)[0] ?? null;
  return { etaMax, bracket: etaMax === null ? null : [etaMax, above], verdicts, unclassified };
}

/** The γ0 ranges of the two regimes; P3's slopes are asymptotes (γ0 ≪ 1, γ0 ≫ 1), and the
 *  crossover near γ0 = 1 bends both, so a sweep may keep it out of the fits. */
interface Regimes { smallMax: number; largeMin: number }

function slopeFit(points: { gamma: number; v: number | null }[], side: 'small' | 'large', expected: number | null, regimes: Regimes): SlopeFit {
  const sel = points.filter((p) => p.v !== null && p.v > 0 && (side === 'small' ? p.gamma <= regimes.smallMax : p.gamma >= regimes.largeMin));
  const line = sel.length >= 2 ? fitLine(sel.map((p) => Math.log(p.gamma)), sel.map((p) => Math.log(p.v!))) : null;
  const gammas = sel.map((p) => p.gamma);
  return { slope: line ? line.slope : null, n: sel.length, expected, gammaRange: sel.length ? [Math.min(...gammas), Math.max(...gammas)] : null };
}

export function analyzePhaseDiagram(ctx: AnalysisContext, opts: PhaseDiagramOptions): PhaseDiagramSummary[] {
  const what = 'phaseDiagram';
  for (const axis of [opts.gamma, opts.lr]) {
    if (!ctx.axes.includes(axis)) {
      ctx.notes.push(`${what}: skipped: the sweep has no axis ${axis}`);
      return [];
    }
  }
  const rule = opts.stability ?? 'bound';
  const regimes: Regimes = { smallMax: opts.smallMax ?? 1, largeMin: opts.largeMin ?? 1 };
  const out: PhaseDiagramSummary[] = [];
  for (const g of groupTrials(ctx.trials, ctx.axes, [opts.gamma, opts.lr, 'seed'])) {
    const name = `${what} [${describeGroup(g.label)}]`;
    const depthValue = axisValue(g.trials[0], 'model.depth');
    const depth = typeof depthValue === 'number' ? depthValue : null;
    const gammas = distinctSorted(g.trials.map((t) => numericAxis(t, opts.gamma)));
    const points: PhasePoint[] = [];
    const perGamma: PhaseDiagramSummary['perGamma'] = [];
    const initSharpness: { gamma: number; v: number | null }[] = [];
    const unclassified = { count: 0, gammas: 0 };
    for (const gamma of gammas) {
      const ts = g.trials.filter((t) => numericAxis(t, opts.gamma) === gamma);
      const lrs = distinctSorted(ts.map((t) => numericAxis(t, opts.lr)));
      const atLr = (lr: number) => ts.filter((t) => numericAxis(t, opts.lr) === lr);
      const losses: number[] = [];
      const run: number[] = [];
      const byRule = Object.fromEntries(STABILITY_RULES.map((r) => [r, etaMaxBy(lrs, atLr, r)])) as Record<StabilityRule, RuleResult>;
      const chosen = byRule[rule];
      for (const lr of lrs) {
        const m = seedMean(atLr(lr).map((t) => finalMetric(t, opts.metric)));
        if (m.n === 0) continue;
        run.push(lr);
        losses.push(m.value);
        points.push({ gamma, lr, loss: Number.isFinite(m.value) ? m.value : null, stable: chosen.verdicts.get(lr) === 'stable' });
      }
      const { etaMax, bracket } = chosen;
      if (etaMax !== null && bracket![1] === null) ctx.notes.push(`${name}: γ0=${gamma}: every lr up to the largest (${etaMax}) is stable; η_max is only a lower bound`);
      if (etaMax === null && chosen.verdicts.size) ctx.notes.push(`${name}: γ0=${gamma}: no lr is stable by the ${rule} rule; η_max is below ${Math.min(...chosen.verdicts.keys())}`);
      if (chosen.unclassified) { unclassified.count += chosen.unclassified; unclassified.gammas++; }
      const opt = refineOptimum(run, losses);
      if (opt?.method === 'grid-edge') ctx.notes.push(`${name}: γ0=${gamma}: η* at the edge of the lr grid (${opt.lr})`);
      const etaMaxByRule: PhaseGamma['etaMaxByRule'] = {};
      for (const r of STABILITY_RULES) {
        if (r === rule || byRule[r].unclassified === 0) etaMaxByRule[r] = { etaMax: byRule[r].etaMax, etaMaxBracket: byRule[r].bracket };
      }
      perGamma.push({
        gamma,
        etaMax,
        etaMaxBracket: bracket,
        etaMaxByRule,
        unclassified: chosen.unclassified,
        etaStar: opt ? opt.lr : null,
        lossStar: opt ? opt.loss : null,
      });
      // λ_max at initialisation does not depend on lr: average it over every trial of this γ0.
      const init = ts.map((t) => ctx.series.get(t.id)).filter((s) => s && s.step[0] === 0 && Number.isFinite(s.sharpness[0])).map((s) => s!.sharpness[0]);
      initSharpness.push({ gamma, v: init.length ? mean(init) : null });
    }
    if (unclassified.count) ctx.notes.push(`${name}: ${unclassified.count} trial(s) at ${unclassified.gammas} value(s) of γ0 cannot be classified by the ${rule} rule and count as unstable: ${UNCLASSIFIED_WHY[rule]}`);
    if (gammas.length < 2) ctx.notes.push(`${name}: one value of ${opts.gamma}: no slopes`);
    const L = depth ?? NaN;
    const star = perGamma.map((p) => ({ gamma: p.gamma, v: p.etaStar }));
    const max = perGamma.map((p) => ({ gamma: p.gamma, v: p.etaMax }));
    const summary: PhaseDiagramSummary = {
      group: g.label, gammaAxis: opts.gamma, lrAxis: opts.lr, depth, stability: rule, points, perGamma,
      slopes: {
        etaStar: { small: slopeFit(star, 'small', 2, regimes), large: slopeFit(star, 'large', 2 / L, regimes) },
        etaMax: { small: slopeFit(max, 'small', 2, regimes), large: slopeFit(max, 'large', 2 / L, regimes) },
      },
      etaMaxSlopesByRule: {},
    };
    // η_max slopes by every rule that could judge every γ0 (always the chosen one)
    for (const r of STABILITY_RULES) {
      if (!perGamma.every((p) => p.etaMaxByRule[r])) continue;
      const by = perGamma.map((p) => ({ gamma: p.gamma, v: p.etaMaxByRule[r]!.etaMax }));
      summary.etaMaxSlopesByRule[r] = { small: slopeFit(by, 'small', 2, regimes), large: slopeFit(by, 'large', 2 / L, regimes) };
    }
    if (initSharpness.some((p) => p.v !== null)) {
      // At initialisation the centered output is 0 and the Gauss–Newton part of the Hessian scales
      // as γ0^(−2) for every γ0; P3's γ0^(−2/L) at large γ0 describes the trained network.
      const large = slopeFit(initSharpness, 'large', null, regimes);
      large.note = 'P3\'s −2/L applies to the trained network, not to the initialisation measured here';
      summary.sharpnessSlopes = { small: slopeFit(initSharpness, 'small', -2, regimes), large };
    }
    out.push(summary);
  }
  return out;
}
