// LR transfer (P2, µTransfer): per group, η*(N) from the seed-averaged final loss over the lr
// grid, refined between grid points; the slope of log η* on log N with an interval over seeds
// (seed-interval.ts); the transfer gap; a verdict against the spec's slope tolerance.
import type { TrialRecord } from '../outcome.js';
import { Rng } from '../rng.js';
import { DEFAULT_LEVEL } from './bootstrap.js';
import type { AnalysisContext } from './context.js';
import { describeGroup, groupTrials, numericAxis, seedOf } from './groups.js';
import { finalMetric, seedMean, type MetricName } from './metric.js';
import { refineOptimum, type Optimum } from './optimum.js';
import { seedIntervals, type SeedIntervals } from './seed-interval.js';
import type { LrCurvePoint, LrTransferSummary, OptimalLr } from './summary.js';
import { distinctSorted, fitLine } from './stats.js';

export interface LrTransferOptions {
  over: string;
  lr: string;
  metric: MetricName;
  slopeTolerance: number;
  bootstrap: number;
}

/** values[seedIndex][widthIndex][lrIndex]: finite, Infinity (diverged) or undefined (no result) */
export interface LrTable {
  seeds: number[];
  widths: number[];
  lrs: number[];
  values: (number | undefined)[][][];
}

export function buildLrTable(trials: readonly TrialRecord[], over: string, lr: string, metric: MetricName): LrTable {
  const seeds = [...new Set(trials.map(seedOf))].sort((a, b) => a - b);
  const widths = distinctSorted(trials.map((t) => numericAxis(t, over)));
  const lrs = distinctSorted(trials.map((t) => numericAxis(t, lr)));
  const values = seeds.map(() => widths.map(() => lrs.map((): number | undefined => undefined)));
  for (const t of trials) {
    const s = seeds.indexOf(seedOf(t));
    const w = widths.indexOf(numericAxis(t, over));
    const l = lrs.indexOf(numericAxis(t, lr));
    if (s < 0 || w < 0 || l < 0) continue;
    const v = finalMetric(t, metric);
    if (v !== undefined) values[s][w][l] = v;
  }
  return { seeds, widths, lrs, values };
}

/** Seed-mean curve of one width over the lrs, for a multiset of seed indices. */
export function meanCurve(table: LrTable, w: number, seedIdx: readonly number[]): { lrs: number[]; losses: number[]; points: LrCurvePoint[] } {
  const lrs: number[] = [];
  const losses: number[] = [];
  const points: LrCurvePoint[] = [];
  table.lrs.forEach((lr, l) => {
    const m = seedMean(seedIdx.map((s) => table.values[s][w][l]));
    if (m.n === 0) return; // never run at this lr (or only failed): not a grid point for this width
    lrs.push(lr);
    losses.push(m.value);
    points.push({ lr, loss: Number.isFinite(m.value) ? m.value : null, seeds: m.n, diverged: m.diverged });
  });
  return { lrs, losses, points };
}

function optimaFor(table: LrTable, seedIdx: readonly number[]): (Optimum | null)[] {
  return table.widths.map((_, w) => {
    const c = meanCurve(table, w, seedIdx);
    return refineOptimum(c.lrs, c.losses);
  });
}

/** The slope of log η* on log width from the seed-mean curves of the given seeds. */
export function slopeFor(table: LrTable, seedIdx: readonly number[]): number {
  return slopeOf(table.widths, optimaFor(table, seedIdx));
}

/** The slope's interval over the table's seeds. */
export function slopeInterval(table: LrTable, slope: number, replicates: number, rngLabels: (string | number)[]): SeedIntervals {
  return seedIntervals(table.seeds.length, [slope], (idx) => [slopeFor(table, idx)], {
    replicates, rng: new Rng(0, 'lr-transfer', ...rngLabels), level: DEFAULT_LEVEL,
  });
}

function slopeOf(widths: number[], optima: (Optimum | null)[]): number {
  const x: number[] = [], y: number[] = [];
  optima.forEach((o, i) => { if (o) { x.push(Math.log(widths[i])); y.push(Math.log(o.lr)); } });
  const line = x.length >= 2 ? fitLine(x, y) : null;
  return line ? line.slope : NaN;
}

/**
 * A curve's loss at lr, by the same parabola in (log η, log loss) that refines η*: through the
 * three grid points nearest lr. Undefined outside the curve's range; Infinity when one of the
 * two points enclosing lr diverged.
 */
export function interpolateLoss(lrs: number[], losses: number[], lr: number): number | undefined {
  const n = lrs.length;
  if (!n || lr < lrs[0] * (1 - 1e-12) || lr > lrs[n - 1] * (1 + 1e-12)) return undefined;
  let j = 0;
  while (j < n - 1 && lrs[j + 1] <= lr) j++;
  if (Math.abs(lrs[j] - lr) <= 1e-12 * lr) return losses[j];
  if (!Number.isFinite(losses[j]) || !Number.isFinite(losses[j + 1])) return Infinity;
  const x = Math.log(lr);
  // three points: the enclosing pair and the finite neighbour closer to lr
  const cands = [j - 1, j + 2].filter((k) => k >= 0 && k < n && Number.isFinite(losses[k]));
  const third = cands.sort((a, b) => Math.abs(Math.log(lrs[a]) - x) - Math.abs(Math.log(lrs[b]) - x))[0];
  if (third === undefined) {
    const f = Math.log(lr / lrs[j]) / Math.log(lrs[j + 1] / lrs[j]);
    return Math.exp((1 - f) * Math.log(losses[j]) + f * Math.log(losses[j + 1]));
  }
  const idx = [j, j + 1, third].sort((a, b) => a - b);
  const [x0, x1, x2] = idx.map((k) => Math.log(lrs[k]));
  const [y0, y1, y2] = idx.map((k) => Math.log(losses[k]));
  // Lagrange form of the parabola through the three points
  const l0 = ((x - x1) * (x - x2)) / ((x0 - x1) * (x0 - x2));
  const l1 = ((x - x0) * (x - x2)) / ((x1 - x0) * (x1 - x2));
  const l2 = ((x - x0) * (x - x1)) / ((x2 - x0) * (x2 - x1));
  return Math.exp(l0 * y0 + l1 * y1 + l2 * y2);
}

export function analyzeLrTransfer(ctx: AnalysisContext, opts: LrTransferOptions): LrTransferSummary[] {
  const what = 'lrTransfer';
  for (const axis of [opts.over, opts.lr]) {
    if (!ctx.axes.includes(axis)) {
      ctx.notes.push(`${what}: skipped: the sweep has no axis ${axis}`);
      return [];
    }
  }
  const out: LrTransferSummary[] = [];
  for (const g of groupTrials(ctx.trials, ctx.axes, [opts.over, opts.lr, 'seed'])) {
    const name = `${what} [${describeGroup(g.label)}]`;
    const table = buildLrTable(g.trials, opts.over, opts.lr, opts.metric);
    const allSeeds = table.seeds.map((_, i) => i);
    const optima = optimaFor(table, allSeeds);
    const optimalLr: OptimalLr[] = [];
    const curves: LrTransferSummary['curves'] = [];
    table.widths.forEach((width, w) => {
      const c = meanCurve(table, w, allSeeds);
      curves.push({ width, points: c.points });
      const o = optima[w];
      if (!o) {
        ctx.notes.push(`${name}: width ${width}: no learning rate with a finite ${opts.metric} (all diverged or missing)`);
        return;
      }
      if (o.method === 'grid-edge') ctx.notes.push(`${name}: width ${width}: η* is at the edge of the lr grid (${o.lr}); extend the grid, the slope is only a bound`);
      optimalLr.push({ width, lr: o.lr, loss: o.loss, method: o.method, bracket: o.bracket, seeds: Math.max(...c.points.map((p) => p.seeds)) });
    });
    const summary: LrTransferSummary = {
      group: g.label, over: opts.over, lr: opts.lr, metric: opts.metric, optimalLr, curves,
      slope: null, ci: null,
      bootstrap: { method: 'none', replicates: 0, usable: 0, level: DEFAULT_LEVEL, seeds: table.seeds.length },
      transferGap: null, verdict: 'not-enough-data', threshold: opts.slopeTolerance, verdictReason: '',
    };
    out.push(summary);
    if (optimalLr.length < 2) {
      summary.verdictReason = `needs η* at 2 or more widths (have ${optimalLr.length})`;
      ctx.notes.push(`${name}: no slope: ${summary.verdictReason}`);
      continue;
    }
    const slope = slopeOf(table.widths, optima);
    summary.slope = slope;
    const iv = slopeInterval(table, slope, opts.bootstrap, [g.key]);
    summary.bootstrap = { method: iv.method, replicates: iv.replicates, usable: iv.usable, level: DEFAULT_LEVEL, seeds: table.seeds.length };
    const slopeCi = iv.intervals[0];
    if (slopeCi) summary.ci = [slopeCi.lo, slopeCi.hi];
    else ctx.notes.push(`${name}: no interval for the slope: ${iv.note}`);
    // Transfer gap: the widest width run at the narrowest width's η*.
    const narrow = optimalLr[0];
    const wide = optimalLr[optimalLr.length - 1];
    const wideCurve = meanCurve(table, table.widths.indexOf(wide.width), allSeeds);
    const atNarrow = interpolateLoss(wideCurve.lrs, wideCurve.losses, narrow.lr);
    if (atNarrow === undefined) {
      ctx.notes.push(`${name}: no transfer gap: width ${wide.width} was not run around η*(${narrow.width}) = ${narrow.lr.toPrecision(3)}`);
    } else if (!Number.isFinite(atNarrow)) {
      ctx.notes.push(`${name}: transfer gap unbounded: width ${wide.width} diverges at η*(${narrow.width}) = ${narrow.lr.toPrecision(3)}`);
    } else {
      // Both losses are interpolations; an excess below their error shows as 0, never negative.
      summary.transferGap = Math.max(0, (atNarrow - wide.loss) / wide.loss);
    }
    const tol = opts.slopeTolerance;
    const ci = summary.ci;
    if (ci) {
      if (ci[0] >= -tol && ci[1] <= tol) {
        summary.verdict = 'transfers';
        summary.verdictReason = `the ${DEFAULT_LEVEL * 100}% interval of the slope lies within ±${tol}`;
      } else if (ci[0] > tol || ci[1] < -tol) {
        summary.verdict = 'does-not-transfer';
        summary.verdictReason = `the ${DEFAULT_LEVEL * 100}% interval of the slope lies outside ±${tol}`;
      } else {
        summary.verdict = 'inconclusive';
        summary.verdictReason = `the ${DEFAULT_LEVEL * 100}% interval of the slope [${ci[0].toFixed(3)}, ${ci[1].toFixed(3)}] straddles ±${tol}`;
      }
    } else {
      summary.verdict = Math.abs(slope) <= tol ? 'transfers' : 'does-not-transfer';
      summary.verdictReason = `point estimate only (no interval): |slope| ${Math.abs(slope) <= tol ? '≤' : '>'} ${tol}`;
    }
  }
  return out;
}
