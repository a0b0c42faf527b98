// Vega-Lite specs for the report, one function per plot a researcher expects (issue 4): each
// takes summary entries (and series) and returns a spec with its data inline.
import type { TrialRecord } from '../outcome.js';
import { describeGroup, numericAxis, seedOf } from '../analysis/groups.js';
import type { SeriesMap } from '../analysis/series.js';
import type {
  AlignmentSummary, ForgettingSummary, LrTransferSummary, PhaseDiagramSummary, ScalingLawSummary, SharpnessSummary,
} from '../analysis/summary.js';
import type { ChartSpec } from './render-chart.js';

const W = 380, H = 250;
const log = (title: string) => ({ type: 'quantitative', scale: { type: 'log', nice: false }, title, axis: { format: '~g' } });
const num = (title: string) => ({ type: 'quantitative', title });
const fmt = (v: number | null | undefined, d = 3) => (v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : Number(v.toPrecision(d)).toString());

/** Predicted slope guides: y = y0·(x/x0)^slope through an anchor point, over [lo, hi]. */
function guide(label: string, slope: number, x0: number, y0: number, lo: number, hi: number): { x: number; y: number; guide: string }[] {
  return [lo, hi].map((x) => ({ x, y: y0 * Math.pow(x / x0, slope), guide: label }));
}

export function lossVsLr(s: LrTransferSummary): ChartSpec {
  const points = s.curves.flatMap((c) => c.points.filter((p) => p.loss !== null).map((p) => ({ width: c.width, lr: p.lr, loss: p.loss })));
  // An lr where a seed diverged has no loss: a cross at the top of the axis marks it.
  const diverged = s.curves.flatMap((c) => c.points.filter((p) => p.loss === null && p.diverged > 0).map((p) => ({ width: c.width, lr: p.lr, diverged: p.diverged, seeds: p.seeds })));
  const stars = s.optimalLr.map((o) => ({ width: o.width, lr: o.lr, loss: o.loss }));
  const color = { field: 'width', type: 'ordinal', title: 'width', scale: { scheme: 'viridis' } };
  const x = { field: 'lr', ...log(`${s.lr} (η0)`) };
  const layer: ChartSpec[] = [
    { data: { values: points }, mark: { type: 'line', point: true }, encoding: { x, y: { field: 'loss', ...log(s.metric) }, color } },
    { data: { values: stars }, mark: { type: 'point', shape: 'diamond', size: 140, filled: true, stroke: 'black', strokeWidth: 1 }, encoding: {
      x, y: { field: 'loss', ...log(s.metric) }, color } },
  ];
  if (diverged.length) {
    layer.push({ data: { values: diverged }, mark: { type: 'point', shape: 'cross', angle: 45, size: 90, filled: true, yOffset: 6 }, encoding: { x, y: { value: 0 }, color } });
  }
  return {
    title: { text: `Loss vs learning rate — ${describeGroup(s.group)}`, subtitle: `${s.metric}, seed mean; ◆ = η* refined between grid points; × at the top = diverged at that lr` },
    width: W, height: H,
    layer,
  };
}

/**
 * η* against width per group; `predicted` gives a group's predicted slope (µP: 0), drawn dashed
 * through its narrowest width's η*.
 */
export function etaStarVsWidth(all: LrTransferSummary[], predicted: (s: LrTransferSummary) => number | null = () => null): ChartSpec {
  const label = (s: LrTransferSummary) => `${describeGroup(s.group)} (slope ${fmt(s.slope)})`;
  const values = all.flatMap((s) => s.optimalLr.map((o) => ({ group: label(s), width: o.width, lr: o.lr })));
  const guides = all.flatMap((s) => {
    const slope = predicted(s);
    const ws = s.optimalLr.map((o) => o.width);
    if (slope === null || s.optimalLr.length < 2) return [];
    const first = s.optimalLr.reduce((a, b) => (b.width < a.width ? b : a));
    return guide(`${label(s)}: predicted slope ${fmt(slope)}`, slope, first.width, first.lr, Math.min(...ws), Math.max(...ws))
      .map((p) => ({ group: label(s), width: p.x, lr: p.y, guide: p.guide }));
  });
  const x = { field: 'width', ...log(all[0]?.over ?? 'width') };
  const y = { field: 'lr', ...log('η*') };
  const color = { field: 'group', type: 'nominal', title: null, legend: { orient: 'bottom', columns: 1, labelLimit: 500 } };
  const layer: ChartSpec[] = [{ data: { values }, mark: { type: 'line', point: true }, encoding: { x, y, color } }];
  if (guides.length) layer.push({ data: { values: guides }, mark: { type: 'line', strokeDash: [6, 4], strokeWidth: 1.5 }, encoding: { x, y, color, detail: { field: 'guide' } } });
  return {
    title: { text: 'η* vs width', subtitle: `log-log; a flat line means the learning rate transfers across width${guides.length ? '; dashed: predicted slope (µP: 0)' : ''}` },
    width: W, height: H,
    layer,
  };
}

export function sharpnessTrajectories(s: SharpnessSummary): ChartSpec {
  const values = s.trajectories.flatMap((t) => t.scaled.map((v, i) => ({ width: t.width, step: s.steps[i], scaled: v })).filter((p) => p.scaled !== null));
  return {
    title: { text: `Step-scaled sharpness η·λmax — ${describeGroup(s.group)}`, subtitle: `edge of stability at 2 (dashed); mean spread Δ = ${fmt(s.consistency)}` },
    width: W, height: H,
    layer: [
      { data: { values }, mark: { type: 'line', point: { size: 20 } }, encoding: {
        x: { field: 'step', ...num('step') }, y: { field: 'scaled', ...num('η·λmax') },
        color: { field: 'width', type: 'ordinal', title: 'width', scale: { scheme: 'viridis' } } } },
      { data: { values: [{ y: 2 }] }, mark: { type: 'rule', color: '#c0392b', strokeDash: [6, 4] }, encoding: { y: { field: 'y', type: 'quantitative' } } },
    ],
  };
}

/** Seed-mean training-loss curves per width of one set of trials. */
export function lossCurves(title: string, trials: TrialRecord[], series: SeriesMap, widthAxis: string, metric: 'trainLoss' | 'testLoss' = 'trainLoss'): ChartSpec | null {
  const byWidthStep = new Map<string, { width: number; step: number; s: number; n: number }>();
  for (const t of trials) {
    const ser = series.get(t.id);
    if (!ser) continue;
    const width = numericAxis(t, widthAxis);
    ser.step.forEach((st, i) => {
      const v = ser[metric][i];
      if (!(st > 0) || !Number.isFinite(v) || v <= 0) return;
      const k = `${width}|${st}`;
      const a = byWidthStep.get(k) ?? { width, step: st, s: 0, n: 0 };
      a.s += v; a.n++;
      byWidthStep.set(k, a);
    });
  }
  const values = [...byWidthStep.values()].map((a) => ({ width: a.width, step: a.step, loss: a.s / a.n }));
  if (!values.length) return null;
  const seeds = new Set(trials.map(seedOf)).size;
  return {
    title: { text: title, subtitle: `${metric}, mean of ${seeds} seed(s); log-log` },
    width: W, height: H,
    data: { values },
    mark: { type: 'line' },
    encoding: {
      x: { field: 'step', ...log('step') }, y: { field: 'loss', ...log(metric) },
      color: { field: 'width', type: 'ordinal', title: 'width', scale: { scheme: 'viridis' } },
    },
  };
}

export function scalingLaw(s: ScalingLawSummary): ChartSpec {
  const xTitle = s.axis === 'compute' ? 'compute C = width × step' : s.axis;
  const pred = s.prediction ? `; P1 predicts ${fmt(s.prediction.lazy)} (lazy) / ${fmt(s.prediction.rich)} (rich)` : '';
  const ci = s.ci ? ` [${fmt(s.ci[0])}, ${fmt(s.ci[1])}]` : '';
  const band = s.curve.filter((c) => c.lo !== null && c.hi !== null && c.lo > 0);
  const layers: ChartSpec[] = [];
  if (band.length) {
    layers.push({ data: { values: band }, mark: { type: 'area', opacity: 0.25, color: '#4c78a8' }, encoding: {
      x: { field: 'x', ...log(xTitle) }, y: { field: 'lo', ...log(s.metric) }, y2: { field: 'hi' } } });
  }
  if (s.curve.length) {
    layers.push({ data: { values: s.curve }, mark: { type: 'line', color: '#4c78a8' }, encoding: { x: { field: 'x', ...log(xTitle) }, y: { field: 'y', ...log(s.metric) } } });
  }
  layers.push({ data: { values: s.points.filter((p) => p.y > 0) }, mark: { type: 'point', filled: true, color: 'black', size: 30 }, encoding: {
    x: { field: 'x', ...log(xTitle) }, y: { field: 'y', ...log(s.metric) } } });
  // P1's exponents as slope guides through the first point of the fitted curve (log-log slope −χ).
  const anchor = s.curve.find((c) => c.y > 0);
  if (s.prediction && anchor) {
    const xs = s.curve.map((c) => c.x);
    const lo = Math.min(...xs), hi = Math.max(...xs);
    const guides = [
      ...guide(`P1 lazy: −${fmt(s.prediction.lazy)}`, -s.prediction.lazy, anchor.x, anchor.y, lo, hi),
      ...guide(`P1 rich: −${fmt(s.prediction.rich)}`, -s.prediction.rich, anchor.x, anchor.y, lo, hi),
    ];
    layers.push({ data: { values: guides }, mark: { type: 'line', strokeDash: [6, 4] }, encoding: {
      x: { field: 'x', ...log(xTitle) }, y: { field: 'y', ...log(s.metric) },
      color: { field: 'guide', type: 'nominal', title: null, scale: { range: ['#e45756', '#f58518'] }, legend: { orient: 'bottom' } } } });
  }
  return {
    title: { text: `Scaling law in ${s.axis} — ${describeGroup(s.group)}`,
      subtitle: `fit E + A·x^(−α): α = ${fmt(s.exponent)}${ci}, E = ${fmt(s.offset)}, R²(log) = ${fmt(s.quality?.r2Log, 4)}${pred}${s.prediction ? ' (dashed)' : ''}` },
    width: W, height: H, layer: layers,
  };
}

export function phaseHeatmap(s: PhaseDiagramSummary): ChartSpec {
  const cells = s.points.map((p) => ({ gamma: p.gamma, lr: p.lr, loss: p.loss, log10loss: p.loss !== null ? Math.log10(p.loss) : null, status: p.stable ? 'stable' : 'diverged' }));
  const curves = s.perGamma.flatMap((p) => [
    ...(p.etaMax !== null ? [{ gamma: p.gamma, lr: p.etaMax, curve: `η_max (largest stable, ${s.stability ?? 'bound'} rule)` }] : []),
    ...(p.etaStar !== null ? [{ gamma: p.gamma, lr: p.etaStar, curve: 'η* (best)' }] : []),
  ]);
  const x = { field: 'lr', ...log(`${s.lrAxis} (η0)`) };
  const y = { field: 'gamma', ...log(`${s.gammaAxis} (γ0)`) };
  // P3's η* ∝ γ0² (γ0 ≤ 1) and ∝ γ0^(2/L) (γ0 ≥ 1), dashed through η* at the γ0 nearest 1.
  const withStar = s.perGamma.filter((p) => p.etaStar !== null && p.gamma > 0);
  const predicted: { gamma: number; lr: number; curve: string }[] = [];
  const small = s.slopes.etaStar.small.expected, large = s.slopes.etaStar.large.expected;
  if (withStar.length) {
    const a = withStar.reduce((p, q) => (Math.abs(Math.log(q.gamma)) < Math.abs(Math.log(p.gamma)) ? q : p));
    const gs = withStar.map((p) => p.gamma);
    const lo = Math.min(...gs), hi = Math.max(...gs);
    const at = (g: number, slope: number) => ({ gamma: g, lr: a.etaStar! * Math.pow(g / a.gamma, slope) });
    if (small !== null && Number.isFinite(small) && lo < 1) predicted.push(...[at(lo, small), at(Math.min(1, hi), small)].map((p) => ({ ...p, curve: `P3: η* ∝ γ0^${fmt(small)} (γ0 ≤ 1)` })));
    if (large !== null && Number.isFinite(large) && hi > 1) predicted.push(...[at(Math.max(1, lo), large), at(hi, large)].map((p) => ({ ...p, curve: `P3: η* ∝ γ0^${fmt(large)} (γ0 ≥ 1)` })));
  }
  const layers: ChartSpec[] = [];
  if (predicted.length) {
    layers.push({ data: { values: predicted }, mark: { type: 'line', strokeDash: [6, 4], strokeWidth: 1.5, color: '#333' }, encoding: {
      x, y, order: { field: 'gamma', type: 'quantitative' }, detail: { field: 'curve' } } });
  }
  return {
    title: { text: `γ–η phase diagram — ${describeGroup(s.group)}`,
      subtitle: `final loss (colour, log10); × = diverged; lines: η_max (${s.stability ?? 'bound'} rule) and η* per γ0${s.depth ? ` (L = ${s.depth})` : ''}${predicted.length ? '; dashed: P3\'s η* slopes' : ''}` },
    width: W, height: H,
    layer: [
      ...layers,
      { data: { values: cells.filter((c) => c.status === 'stable') }, mark: { type: 'square', size: 160, opacity: 0.9 }, encoding: {
        x, y, color: { field: 'log10loss', type: 'quantitative', title: 'log10 loss', scale: { scheme: 'viridis' } } } },
      { data: { values: cells.filter((c) => c.status === 'diverged') }, mark: { type: 'point', shape: 'cross', size: 60, color: '#999', filled: true }, encoding: { x, y } },
      { data: { values: curves }, mark: { type: 'line', point: true, strokeWidth: 2 }, encoding: {
        x, y, order: { field: 'gamma', type: 'quantitative' },
        color: { field: 'curve', type: 'nominal', title: null, scale: { range: ['#e45756', '#f58518'] }, legend: { orient: 'bottom', labelLimit: 400 } } } },
    ],
    resolve: { scale: { color: 'independent' } },
  };
}

export function forgettingVsWidth(s: ForgettingSummary): ChartSpec {
  const values = s.points.flatMap((p) => [
    { width: p.width, value: p.averageForgetting, measure: 'average forgetting AF' },
    { width: p.width, value: p.averageAccuracy, measure: 'average accuracy AA' },
  ]).filter((v) => v.value > 0);
  const fit = s.amplitude !== null && s.exponent !== null
    ? s.points.map((p) => ({ width: p.width, value: s.amplitude! * Math.pow(p.width, -s.exponent!), measure: 'fit a·N^(−b)' }))
    : [];
  const ci = s.ci ? ` [${fmt(s.ci[0])}, ${fmt(s.ci[1])}]` : '';
  return {
    title: { text: `Forgetting vs width — ${describeGroup(s.group)}`, subtitle: `AF = a·N^(−b): b = ${fmt(s.exponent)}${ci}; each doubling removes ${fmt(s.perDoubling === null ? null : 100 * s.perDoubling, 2)}% of forgetting; empirical fit, no predicted exponent` },
    width: W, height: H,
    data: { values: [...values, ...fit] },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'width', ...log(s.over) }, y: { field: 'value', ...log('accuracy / forgetting') },
      color: { field: 'measure', type: 'nominal', title: null, legend: { orient: 'bottom' } },
      strokeDash: { field: 'measure', type: 'nominal', title: null },
    },
  };
}

export function overlapVsAlpha(s: AlignmentSummary): ChartSpec {
  const values = s.curves.flatMap((c) => c.points.flatMap((p) => [
    ...p.maxOverlap.map((v, r) => ({ d: c.inputDim, alpha: p.alpha, overlap: v, baseline: c.baseline, direction: `direction ${r + 1}`, measure: 'max |cos| over neurons' })),
    ...p.updateOverlap.map((v, r) => ({ d: c.inputDim, alpha: p.alpha, overlap: v, baseline: c.baseline, direction: `direction ${r + 1}`, measure: 'update top singular vector' })),
  ]));
  const color = { field: 'd', type: 'ordinal', title: 'd', scale: { scheme: 'viridis' } };
  return {
    title: { text: `Giant step: overlap with teacher directions vs n/d — ${describeGroup(s.group)}`,
      subtitle: `after the last giant step; dotted: 1/√d; collapse spread across d (direction 1): update ${fmt(s.collapseSpreadUpdate)}, max ${fmt(s.collapseSpread)}` },
    data: { values },
    facet: { row: { field: 'measure', type: 'nominal', title: null }, column: { field: 'direction', type: 'nominal', title: null } },
    spec: {
      width: 240, height: 170,
      layer: [
        { mark: { type: 'line', point: true }, encoding: {
          x: { field: 'alpha', ...log('α = n/d') }, y: { field: 'overlap', ...num('overlap'), scale: { domain: [0, 1] } }, color } },
        { mark: { type: 'rule', strokeDash: [2, 3] }, encoding: { y: { field: 'baseline', aggregate: 'mean', type: 'quantitative' }, color } },
      ],
    },
  };
}
