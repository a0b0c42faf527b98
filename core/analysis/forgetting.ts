// Forgetting vs width (P4, arXiv 2403.06398): average accuracy AA and average forgetting AF
// per width, and the exponent b of AF = a·N^(−b) with an interval over seeds.
import type { AnalysisContext } from './context.js';
import { fitWithBootstrap } from './fit-bootstrap.js';
import { describeGroup, groupTrials, numericAxis, seedOf } from './groups.js';
import type { ForgettingSummary } from './summary.js';
import { distinctSorted, mean } from './stats.js';

export interface ForgettingOptions {
  over: string;
  bootstrap: number;
}

export function analyzeForgetting(ctx: AnalysisContext, opts: ForgettingOptions): ForgettingSummary[] {
  const what = 'forgetting';
  const withResult = ctx.trials.filter((t) => t.outcome === 'succeeded' && t.continual);
  if (!withResult.length) {
    ctx.missing.push(`${what}: no finished trial has a continual-learning result (task.kind: continual)`);
    return [];
  }
  if (!ctx.axes.includes(opts.over)) {
    ctx.notes.push(`${what}: skipped: the sweep has no axis ${opts.over}`);
    return [];
  }
  const out: ForgettingSummary[] = [];
  for (const g of groupTrials(withResult, ctx.axes, [opts.over, 'seed'])) {
    const name = `${what} [${describeGroup(g.label)}]`;
    const widths = distinctSorted(g.trials.map((t) => numericAxis(t, opts.over)));
    const seeds = [...new Set(g.trials.map(seedOf))].sort((a, b) => a - b);
    const perSeed = seeds.map((s) => {
      const m = new Map<number, number>();
      for (const t of g.trials) if (seedOf(t) === s) m.set(numericAxis(t, opts.over), t.continual!.averageForgetting);
      return m;
    });
    const points = widths.map((w) => {
      const ts = g.trials.filter((t) => numericAxis(t, opts.over) === w);
      return {
        width: w,
        averageAccuracy: mean(ts.map((t) => t.continual!.averageAccuracy)),
        averageForgetting: mean(ts.map((t) => t.continual!.averageForgetting)),
        seeds: ts.length,
      };
    });
    const zero = points.filter((p) => !(p.averageForgetting > 0)).length;
    if (zero) ctx.notes.push(`${name}: ${zero} width(s) with no forgetting (AF ≤ 0) left out of the power-law fit`);
    const res = fitWithBootstrap((idx) => {
      const x: number[] = [], y: number[] = [], n: number[] = [];
      for (const w of widths) {
        const vals = idx.map((i) => perSeed[i].get(w)).filter((v): v is number => v !== undefined);
        if (vals.length) { x.push(w); y.push(mean(vals)); n.push(vals.length); }
      }
      return { x, y, seeds: n };
    }, seeds.length, { offset: false, replicates: opts.bootstrap, rngLabels: ['forgetting', g.key] });
    if (!res.fit) ctx.notes.push(`${name}: no exponent: ${res.error}`);
    else if (res.intervalNote) ctx.notes.push(`${name}: no interval for the exponent: ${res.intervalNote}`);
    const b = res.fit ? res.fit.alpha : null;
    out.push({
      group: g.label, over: opts.over, points,
      exponent: b, ci: res.ci, amplitude: res.fit ? res.fit.A : null,
      quality: res.quality, bootstrap: res.bootstrap,
      perDoubling: b === null ? null : 1 - Math.pow(2, -b),
    });
  }
  return out;
}
