// Super consistency (P2): step-scaled sharpness s_N(t) = η_eff·λ_max per width at common
// steps, its spread Δ_N(t) = |s_N − s_widest| / s_widest, and where it sits against 2.
import type { AnalysisContext } from './context.js';
import { describeGroup, groupTrials, numericAxis, seedOf } from './groups.js';
import type { SharpnessSummary, SharpnessWidth } from './summary.js';
import { distinctSorted, mean } from './stats.js';

export interface SharpnessOptions {
  over: string;
}

/** Seed-mean of a series field at each step where every seed has a finite value. */
function seedMeanSeries(seriesList: { step: number[]; v: number[] }[]): Map<number, number> {
  const out = new Map<number, number>();
  if (!seriesList.length) return out;
  const counts = new Map<number, { s: number; n: number }>();
  for (const s of seriesList) {
    s.step.forEach((st, i) => {
      if (!Number.isFinite(s.v[i])) return;
      const a = counts.get(st) ?? { s: 0, n: 0 };
      a.s += s.v[i]; a.n++;
      counts.set(st, a);
    });
  }
  for (const [st, a] of counts) if (a.n === seriesList.length) out.set(st, a.s / a.n);
  return out;
}

export function analyzeSharpness(ctx: AnalysisContext, opts: SharpnessOptions): SharpnessSummary[] {
  const what = 'sharpness';
  if (!ctx.axes.includes(opts.over)) {
    ctx.notes.push(`${what}: skipped: the sweep has no axis ${opts.over}`);
    return [];
  }
  const out: SharpnessSummary[] = [];
  let anyMeasured = false;
  for (const g of groupTrials(ctx.trials, ctx.axes, [opts.over, 'seed'])) {
    const name = `${what} [${describeGroup(g.label)}]`;
    const ok = g.trials.filter((t) => t.outcome === 'succeeded' && ctx.series.get(t.id)?.sharpnessScaled.some(Number.isFinite));
    const dropped = g.trials.length - ok.length;
    const widths = distinctSorted(ok.map((t) => numericAxis(t, opts.over)));
    if (ok.length) anyMeasured = true;
    if (dropped && ok.length) ctx.notes.push(`${name}: ${dropped} trial(s) without a finished sharpness trajectory (diverged, failed or unmeasured) left out`);
    if (widths.length < 2) {
      if (ok.length) ctx.notes.push(`${name}: skipped: needs sharpness at 2 or more widths (have ${widths.length})`);
      continue;
    }
    const perWidth = widths.map((w) => {
      const ts = ok.filter((t) => numericAxis(t, opts.over) === w);
      const scaled = seedMeanSeries(ts.map((t) => { const s = ctx.series.get(t.id)!; return { step: s.step, v: s.sharpnessScaled }; }));
      const raw = seedMeanSeries(ts.map((t) => { const s = ctx.series.get(t.id)!; return { step: s.step, v: s.sharpness }; }));
      return { width: w, seeds: new Set(ts.map(seedOf)).size, scaled, raw };
    });
    const steps = distinctSorted([...perWidth[0].scaled.keys()]).filter((st) => perWidth.every((p) => p.scaled.has(st)));
    if (!steps.length) {
      ctx.notes.push(`${name}: skipped: the widths share no sharpness measurement step`);
      continue;
    }
    const widest = perWidth[perWidth.length - 1];
    const spreadAt = (p: (typeof perWidth)[number], st: number) => {
      const ref = widest.scaled.get(st)!;
      return ref !== 0 ? Math.abs(p.scaled.get(st)! - ref) / Math.abs(ref) : NaN;
    };
    const later = steps.filter((st) => st > 0);
    const spreadSteps = later.length ? later : steps;
    const widthsOut: SharpnessWidth[] = perWidth.map((p) => {
      const vals = steps.map((st) => p.scaled.get(st)!);
      const last = steps[steps.length - 1];
      const spreads = spreadSteps.map((st) => spreadAt(p, st)).filter(Number.isFinite);
      return {
        width: p.width,
        seeds: p.seeds,
        final: p.scaled.get(last) ?? null,
        max: Math.max(...vals),
        finalRaw: p.raw.get(last) ?? null,
        meanSpread: p === widest ? 0 : spreads.length ? mean(spreads) : null,
        finalSpread: p === widest ? 0 : Number.isFinite(spreadAt(p, last)) ? spreadAt(p, last) : null,
      };
    });
    const others = perWidth.slice(0, -1);
    const spreadMean = (sts: number[]) => {
      const v = others.flatMap((p) => sts.map((st) => spreadAt(p, st))).filter(Number.isFinite);
      return v.length ? mean(v) : null;
    };
    const third = Math.max(1, Math.floor(spreadSteps.length / 3));
    const widestFinal = widthsOut[widthsOut.length - 1].final;
    out.push({
      group: g.label,
      over: opts.over,
      steps,
      widths: widthsOut,
      trajectories: perWidth.map((p) => ({ width: p.width, scaled: steps.map((st) => p.scaled.get(st) ?? null) })),
      consistency: spreadMean(spreadSteps),
      spreadEarly: spreadMean(spreadSteps.slice(0, third)),
      spreadLate: spreadMean(spreadSteps.slice(-third)),
      edgeOfStability: { threshold: 2, widestFinal, ratio: widestFinal === null ? null : widestFinal / 2 },
    });
  }
  if (!anyMeasured) ctx.missing.push(`${what}: no trial has step-scaled sharpness in metrics.jsonl (set measure.sharpness in the spec)`);
  return out;
}
