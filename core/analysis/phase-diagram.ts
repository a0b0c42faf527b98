// γ–η phase diagram (P3, arXiv 2410.04642): per γ0 (and depth) the largest stable lr η_max and
// the best lr η*, and the slopes of log η on log γ0 at small γ0 (expected 2) and large γ0
// (expected 2/L), plus the top Hessian eigenvalue at init (expected −2 and −2/L) when measured.
import type { AnalysisContext } from './context.js';
import { axisValue, describeGroup, groupTrials, numericAxis } from './groups.js';
import { finalMetric, seedMean, type MetricName } from './metric.js';
import { refineOptimum } from './optimum.js';
import type { PhaseDiagramSummary, PhasePoint, SlopeFit } from './summary.js';
import { distinctSorted, fitLine, mean } from './stats.js';

export interface PhaseDiagramOptions {
  gamma: string;
  lr: string;
  metric: MetricName;
}

function slopeFit(points: { gamma: number; v: number | null }[], side: 'small' | 'large', expected: number): SlopeFit {
  const sel = points.filter((p) => p.v !== null && p.v > 0 && (side === 'small' ? p.gamma <= 1 : p.gamma >= 1));
  const line = sel.length >= 2 ? fitLine(sel.map((p) => Math.log(p.gamma)), sel.map((p) => Math.log(p.v!))) : null;
  return { slope: line ? line.slope : null, n: sel.length, expected };
}

export function analyzePhaseDiagram(ctx: AnalysisContext, opts: PhaseDiagramOptions): PhaseDiagramSummary[] {
  const what = 'phaseDiagram';
  for (const axis of [opts.gamma, opts.lr]) {
    if (!ctx.axes.includes(axis)) {
      ctx.notes.push(`${what}: skipped: the sweep has no axis ${axis}`);
      return [];
    }
  }
  const out: PhaseDiagramSummary[] = [];
  for (const g of groupTrials(ctx.trials, ctx.axes, [opts.gamma, opts.lr, 'seed'])) {
    const name = `${what} [${describeGroup(g.label)}]`;
    const depthValue = axisValue(g.trials[0], 'model.depth');
    const depth = typeof depthValue === 'number' ? depthValue : null;
    const gammas = distinctSorted(g.trials.map((t) => numericAxis(t, opts.gamma)));
    const points: PhasePoint[] = [];
    const perGamma: PhaseDiagramSummary['perGamma'] = [];
    const initSharpness: { gamma: number; v: number | null }[] = [];
    for (const gamma of gammas) {
      const ts = g.trials.filter((t) => numericAxis(t, opts.gamma) === gamma);
      const lrs = distinctSorted(ts.map((t) => numericAxis(t, opts.lr)));
      const losses: number[] = [];
      const run: number[] = [];
      for (const lr of lrs) {
        const m = seedMean(ts.filter((t) => numericAxis(t, opts.lr) === lr).map((t) => finalMetric(t, opts.metric)));
        if (m.n === 0) continue;
        run.push(lr);
        losses.push(m.value);
        points.push({ gamma, lr, loss: Number.isFinite(m.value) ? m.value : null, stable: m.diverged === 0 });
      }
      const stable = run.filter((_, i) => Number.isFinite(losses[i]));
      const etaMax = stable.length ? Math.max(...stable) : null;
      const above = etaMax === null ? null : run.find((lr) => lr > etaMax) ?? null;
      if (etaMax !== null && above === null) ctx.notes.push(`${name}: γ0=${gamma}: every lr up to the largest (${etaMax}) is stable; η_max is only a lower bound`);
      if (etaMax === null && run.length) ctx.notes.push(`${name}: γ0=${gamma}: every lr diverged; η_max is below ${Math.min(...run)}`);
      const opt = refineOptimum(run, losses);
      if (opt?.method === 'grid-edge') ctx.notes.push(`${name}: γ0=${gamma}: η* at the edge of the lr grid (${opt.lr})`);
      perGamma.push({
        gamma,
        etaMax,
        etaMaxBracket: etaMax === null ? null : [etaMax, above],
        etaStar: opt ? opt.lr : null,
        lossStar: opt ? opt.loss : null,
      });
      // λ_max at initialisation does not depend on lr: average it over every trial of this γ0.
      const init = ts.map((t) => ctx.series.get(t.id)).filter((s) => s && s.step[0] === 0 && Number.isFinite(s.sharpness[0])).map((s) => s!.sharpness[0]);
      initSharpness.push({ gamma, v: init.length ? mean(init) : null });
    }
    if (gammas.length < 2) ctx.notes.push(`${name}: one value of ${opts.gamma}: no slopes`);
    const L = depth ?? NaN;
    const star = perGamma.map((p) => ({ gamma: p.gamma, v: p.etaStar }));
    const max = perGamma.map((p) => ({ gamma: p.gamma, v: p.etaMax }));
    const summary: PhaseDiagramSummary = {
      group: g.label, gammaAxis: opts.gamma, lrAxis: opts.lr, depth, points, perGamma,
      slopes: {
        etaStar: { small: slopeFit(star, 'small', 2), large: slopeFit(star, 'large', 2 / L) },
        etaMax: { small: slopeFit(max, 'small', 2), large: slopeFit(max, 'large', 2 / L) },
      },
    };
    if (initSharpness.some((p) => p.v !== null)) {
      summary.sharpnessSlopes = { small: slopeFit(initSharpness, 'small', -2), large: slopeFit(initSharpness, 'large', -2 / L) };
    }
    out.push(summary);
  }
  return out;
}
