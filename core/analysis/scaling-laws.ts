// Scaling laws (P1): L(x) = E + A·x^(−α) fitted in width (or any numeric axis), in training
// step (late window of each run) and in compute C = width × step (the compute-optimal frontier),
// with intervals over seeds and P1's predicted exponents where the task defines β.
import type { TrialRecord } from '../outcome.js';
import type { AnalysisContext } from './context.js';
import { fitWithBootstrap, type Points } from './fit-bootstrap.js';
import { describeGroup, groupTrials, numericAxis, seedOf } from './groups.js';
import { finalMetric, type MetricName } from './metric.js';
import type { TrialSeries } from './series.js';
import type { ScalingLawSummary, TheoryPrediction } from './summary.js';
import { computeOptimalExponent, taskTheory, theoryWithheld, timeExponents } from './theory.js';
import { distinctSorted } from './stats.js';

export interface ScalingLawOptions {
  axis: string;
  metric: MetricName;
  window: [number, number];
  bootstrap: number;
}

const WIDTH = 'model.width';

/** Group trials into seeds (index by seed value) for resampling. */
function bySeed(trials: readonly TrialRecord[]): TrialRecord[][] {
  const seeds = [...new Set(trials.map(seedOf))].sort((a, b) => a - b);
  return seeds.map((s) => trials.filter((t) => seedOf(t) === s));
}

/** Mean over the chosen seeds of per-seed values keyed by x; x kept when any seed has it. */
function averageOver(perSeed: Map<number, number>[], seedIdx: readonly number[]): Points {
  const sum = new Map<number, { s: number; n: number }>();
  for (const i of seedIdx) {
    for (const [x, y] of perSeed[i]) {
      const a = sum.get(x) ?? { s: 0, n: 0 };
      a.s += y; a.n++;
      sum.set(x, a);
    }
  }
  const xs = [...sum.keys()].sort((a, b) => a - b);
  return { x: xs, y: xs.map((x) => sum.get(x)!.s / sum.get(x)!.n), seeds: xs.map((x) => sum.get(x)!.n) };
}

function metricSeries(s: TrialSeries | undefined, metric: MetricName): { step: number[]; value: number[] } | null {
  if (!s) return null;
  const step: number[] = [], value: number[] = [];
  s.step.forEach((st, i) => {
    const v = s[metric][i];
    if (st > 0 && Number.isFinite(v) && v > 0) { step.push(st); value.push(v); }
  });
  return step.length ? { step, value } : null;
}

function inWindow(steps: number[], window: [number, number]): (st: number) => boolean {
  const T = Math.max(...steps);
  return (st) => st >= window[0] * T && st <= window[1] * T;
}

function predictionFor(trials: readonly TrialRecord[], axis: string, exponent: number | null): TheoryPrediction | undefined {
  const th = taskTheory(trials[0]?.config);
  if (!th || (axis !== 'step' && axis !== 'compute')) return undefined;
  const chi = timeExponents(th.beta);
  const lazy = axis === 'step' ? chi.lazy : computeOptimalExponent(th.capacity, th.beta, chi.lazy);
  const rich = axis === 'step' ? chi.rich : computeOptimalExponent(th.capacity, th.beta, chi.rich);
  let closerTo: TheoryPrediction['closerTo'] = 'both';
  if (exponent !== null && Math.abs(lazy - rich) > 1e-9) closerTo = Math.abs(exponent - lazy) < Math.abs(exponent - rich) ? 'lazy' : 'rich';
  return { source: th.source, beta: th.beta, capacity: th.capacity, lazy, rich, closerTo };
}

export function analyzeScalingLaw(ctx: AnalysisContext, opts: ScalingLawOptions): ScalingLawSummary[] {
  const what = `scalingLaws[${opts.axis}]`;
  const overTime = opts.axis === 'step' || opts.axis === 'compute';
  if (opts.axis === 'compute' && !ctx.axes.includes(WIDTH)) {
    ctx.notes.push(`${what}: skipped: compute = width × step needs the axis ${WIDTH}`);
    return [];
  }
  if (!overTime && !ctx.axes.includes(opts.axis)) {
    ctx.notes.push(`${what}: skipped: the sweep has no axis ${opts.axis}`);
    return [];
  }
  let metric = opts.metric;
  if (overTime && ![...ctx.series.values()].some((s) => s[metric].some(Number.isFinite))) {
    if (metric !== 'trainLoss' && [...ctx.series.values()].some((s) => s.trainLoss.some(Number.isFinite))) {
      ctx.notes.push(`${what}: no ${metric} in metrics.jsonl; fitted trainLoss instead`);
      metric = 'trainLoss';
    } else {
      ctx.missing.push(`${what}: no ${metric} curves in metrics.jsonl`);
      return [];
    }
  }
  const exclude = opts.axis === 'step' ? ['seed'] : opts.axis === 'compute' ? [WIDTH, 'seed'] : [opts.axis, 'seed'];
  const out: ScalingLawSummary[] = [];
  for (const g of groupTrials(ctx.trials, ctx.axes, exclude)) {
    const name = `${what} [${describeGroup(g.label)}]`;
    const diverged = g.trials.filter((t) => t.outcome === 'diverged').length;
    if (diverged) ctx.notes.push(`${name}: ${diverged} diverged trial(s) left out of the fit`);
    const ok = g.trials.filter((t) => t.outcome === 'succeeded');
    const seeds = bySeed(ok);
    // Per seed: x → value.
    const perSeed: Map<number, number>[] = seeds.map((ts) => {
      const m = new Map<number, number>();
      if (opts.axis === 'step') {
        // one trial per seed in this group (all other axes fixed)
        const s = metricSeries(ctx.series.get(ts[0]?.id), metric);
        if (s) {
          const keep = inWindow(s.step, opts.window);
          s.step.forEach((st, i) => { if (keep(st)) m.set(st, s.value[i]); });
        }
      } else if (opts.axis === 'compute') {
        for (const t of ts) {
          const s = metricSeries(ctx.series.get(t.id), metric);
          const width = numericAxis(t, WIDTH);
          if (!s || !Number.isFinite(width)) continue;
          const keep = inWindow(s.step, opts.window);
          s.step.forEach((st, i) => { if (keep(st)) m.set(width * st, Math.min(m.get(width * st) ?? Infinity, s.value[i])); });
        }
      } else {
        for (const t of ts) {
          const v = finalMetric(t, metric);
          const x = numericAxis(t, opts.axis);
          if (v !== undefined && Number.isFinite(v) && Number.isFinite(x)) m.set(x, v);
        }
      }
      return m;
    });
    const pointsFor = opts.axis === 'compute'
      ? (idx: readonly number[]) => frontier(averageOver(perSeed, idx))
      : (idx: readonly number[]) => averageOver(perSeed, idx);
    const res = fitWithBootstrap(pointsFor, seeds.length, {
      offset: true, replicates: opts.bootstrap, rngLabels: ['scaling', opts.axis, g.key],
    });
    let note: string | undefined;
    let r = res;
    if (!res.fit) {
      // Too few points for an offset: fall back to a pure power law when 2–3 remain.
      const pure = fitWithBootstrap(pointsFor, seeds.length, {
        offset: false, replicates: opts.bootstrap, rngLabels: ['scaling', opts.axis, g.key, 'pure'],
      });
      if (pure.fit) {
        note = `too few points for E + A·x^(−α) (${res.error}); fitted A·x^(−α) without offset`;
        r = pure;
      } else {
        note = res.error;
      }
      ctx.notes.push(`${name}: ${note}`);
    }
    const exponent = r.fit ? r.fit.alpha : null;
    const summary: ScalingLawSummary = {
      group: g.label, axis: opts.axis, metric,
      exponent, ci: r.ci, offset: r.fit ? r.fit.E : null, amplitude: r.fit ? r.fit.A : null,
      quality: r.quality, bootstrap: r.bootstrap,
      points: r.points.x.map((x, i) => ({ x, y: r.points.y[i], seeds: r.points.seeds?.[i] ?? 1 })),
      curve: r.curve,
    };
    const pred = predictionFor(g.trials, opts.axis, exponent);
    if (pred) summary.prediction = pred;
    const withheld = overTime ? theoryWithheld(g.trials[0]?.config) : null;
    if (withheld) ctx.notes.push(`${name}: ${withheld.reason}`);
    if (r.fit && r.intervalNote) {
      ctx.notes.push(`${name}: no interval for the exponent: ${r.intervalNote}`);
      note = [note, `no interval: ${r.intervalNote}`].filter(Boolean).join('; ');
    }
    if (note) summary.note = note;
    if (r.fit && (r.fit.alpha < 1e-4 || r.fit.alpha > 8)) {
      // The fit ran into its bounds: the loss does not follow a power law over this range
      // (flat in x, or a drop to a floor that E absorbs).
      ctx.notes.push(`${name}: exponent ${r.fit.alpha.toPrecision(3)} is at the edge of what the fit allows: no power law in this range of ${opts.axis}`);
      summary.note = [summary.note, 'exponent at the edge of the fit; no power law in this range'].filter(Boolean).join('; ');
    }
    if (r.fit && r.quality && r.quality.r2Log !== null && r.quality.r2Log < 0.9) {
      ctx.notes.push(`${name}: poor fit (R² in log space ${r.quality.r2Log.toFixed(3)}): read the exponent with care`);
    }
    out.push(summary);
  }
  return out;
}

/**
 * Compute-optimal frontier: best loss reachable with at most C (lower envelope over widths),
 * sampled at a few points per decade so dense regions do not dominate the fit.
 */
export function frontier(p: Points): Points {
  const order = p.x.map((_, i) => i).sort((a, b) => p.x[a] - p.x[b]);
  if (!order.length) return { x: [], y: [] };
  const lo = Math.log10(p.x[order[0]]);
  const perDecade = 4;
  const bins = new Map<number, { x: number; y: number }>();
  let best = Infinity;
  for (const i of order) {
    best = Math.min(best, p.y[i]);
    const b = Math.floor((Math.log10(p.x[i]) - lo) * perDecade);
    // keep the last (largest C) point of each bin: the envelope value there
    bins.set(b, { x: p.x[i], y: best });
  }
  const pts = distinctSorted([...bins.keys()]).map((b) => bins.get(b)!);
  return { x: pts.map((q) => q.x), y: pts.map((q) => q.y) };
}
