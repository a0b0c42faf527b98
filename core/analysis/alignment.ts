// Giant step (P5, arXiv 2305.18270): overlap of the first layer with each teacher direction
// after the giant steps, vs α = n/d, one curve per input dimension d; curves should collapse
// on α, and directions without a linear component stay near the 1/√d baseline.
import type { AnalysisContext } from './context.js';
import { axisValue, describeGroup, groupTrials, numericAxis } from './groups.js';
import type { AlignmentPoint, AlignmentSummary } from './summary.js';
import { distinctSorted, mean } from './stats.js';

export interface AlignmentOptions {
  over: string;
  inputDim: string;
}

function meanVectors(rows: number[][]): number[] {
  const len = Math.min(...rows.map((r) => r.length));
  return Array.from({ length: Number.isFinite(len) ? len : 0 }, (_, j) => mean(rows.map((r) => r[j])));
}

export function analyzeAlignment(ctx: AnalysisContext, opts: AlignmentOptions): AlignmentSummary[] {
  const what = 'alignment';
  const withResult = ctx.trials.filter((t) => t.outcome === 'succeeded' && t.giantStep);
  if (!withResult.length) {
    ctx.missing.push(`${what}: no finished trial has a giant-step result (set giantStep in the spec)`);
    return [];
  }
  const alphaOf = (t: (typeof withResult)[number]) => {
    const v = numericAxis(t, opts.over);
    return Number.isFinite(v) ? v : t.giantStep!.alpha;
  };
  const dimOf = (t: (typeof withResult)[number]) => {
    const v = axisValue(t, opts.inputDim);
    return typeof v === 'number' ? v : t.giantStep!.inputDim;
  };
  const out: AlignmentSummary[] = [];
  for (const g of groupTrials(withResult, ctx.axes, [opts.over, opts.inputDim, 'seed'])) {
    const name = `${what} [${describeGroup(g.label)}]`;
    const dims = distinctSorted(g.trials.map(dimOf));
    const curves = dims.map((d) => {
      const ts = g.trials.filter((t) => dimOf(t) === d);
      const points: AlignmentPoint[] = distinctSorted(ts.map(alphaOf)).map((alpha) => {
        const at = ts.filter((t) => alphaOf(t) === alpha).map((t) => t.giantStep!);
        return {
          alpha,
          maxOverlap: meanVectors(at.map((r) => r.maxOverlap[r.maxOverlap.length - 1] ?? [])),
          meanOverlap: meanVectors(at.map((r) => r.meanOverlap[r.meanOverlap.length - 1] ?? [])),
          updateOverlap: meanVectors(at.map((r) => r.updateOverlap)),
          testLoss: mean(at.map((r) => r.testLoss)),
          seeds: at.length,
        };
      });
      return { inputDim: d, baseline: 1 / Math.sqrt(d), points };
    });
    // Collapse on α: relative spread across d of the first direction's overlap at shared α.
    const alphas = distinctSorted(curves.flatMap((c) => c.points.map((p) => p.alpha)));
    const spread = (pick: (p: AlignmentPoint) => number | undefined): number | null => {
      const spreads: number[] = [];
      for (const a of alphas) {
        const vals = curves.map((c) => { const p = c.points.find((q) => q.alpha === a); return p ? pick(p) : undefined; })
          .filter((v): v is number => v !== undefined && Number.isFinite(v));
        if (vals.length >= 2) {
          const m = mean(vals);
          if (m > 0) spreads.push((Math.max(...vals) - Math.min(...vals)) / m);
        }
      }
      return spreads.length ? mean(spreads) : null;
    };
    if (dims.length < 2) ctx.notes.push(`${name}: one input dimension: no collapse across d to check`);
    out.push({ group: g.label, over: opts.over, curves, collapseSpread: spread((p) => p.maxOverlap[0]), collapseSpreadUpdate: spread((p) => p.updateOverlap[0]) });
  }
  return out;
}
