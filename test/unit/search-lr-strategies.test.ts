// The lr search strategies on synthetic loss landscapes: no training, a formula per trial.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trialConfigSchema } from '../../core/config/trial.js';
import { trialId } from '../../core/ids.js';
import { LrDescentStrategy } from '../../core/search/lr-descent.js';
import { LrRefineStrategy } from '../../core/search/lr-refine.js';
import { createLrStrategy } from '../../core/search/lr-strategies.js';
import { searchSchema } from '../../core/search/schema.js';
import { parseSpec } from '../../core/config/spec.js';
import { createStrategy } from '../../core/grid/strategy.js';
import type { SearchState, SearchStrategy, TrialPlan } from '../../core/search/strategy.js';
import type { TrialRecord } from '../../core/outcome.js';

const logspace = (a: number, b: number, n: number) => Array.from({ length: n }, (_, i) => Number((a * Math.pow(b / a, i / (n - 1))).toPrecision(12)));

function plans(axes: { widths: number[]; lrs: number[]; seeds: number[]; gammas?: number[] }): TrialPlan[] {
  const out: TrialPlan[] = [];
  for (const gamma of axes.gammas ?? [1]) for (const width of axes.widths) for (const lr of axes.lrs) for (const seed of axes.seeds) {
    const config = trialConfigSchema.parse({
      seed, task: { kind: 'teacher-mlp' }, model: { width, gamma }, optimizer: { kind: 'sgd', lr },
    });
    const a: Record<string, unknown> = { 'model.width': width, 'optimizer.lr': lr, seed };
    if (axes.gammas) a['model.gamma'] = gamma;
    out.push({ id: trialId(config), config, axes: a });
  }
  return out;
}

type Landscape = (p: TrialPlan) => Pick<TrialRecord, 'outcome' | 'final' | 'step' | 'divergence'>;

/** Drive a strategy like the runner does: run everything proposed, then ask again. */
function drive(strategy: SearchStrategy, landscape: Landscape, maxSteps = 100): { state: SearchState; steps: number } {
  const state: SearchState = { planned: [], finished: {} };
  for (let steps = 1; steps <= maxSteps; steps++) {
    const s = strategy.step(state);
    for (const p of s.next) {
      assert.ok(!state.planned.some((q) => q.id === p.id), `re-proposed ${p.id}`);
      state.planned.push(p);
    }
    for (const p of s.next) state.finished[p.id] = landscape(p);
    if (s.done) return { state, steps };
    if (!s.next.length) assert.fail('strategy proposed nothing while not done and nothing running');
  }
  assert.fail('strategy did not finish');
}

/** µP-like bowl: η* = 0.05·γ², log loss quadratic in log η; diverges above η_max = 0.4·γ². */
const bowl = (star: (p: TrialPlan) => number, max: (p: TrialPlan) => number): Landscape => (p) => {
  const lr = p.axes['optimizer.lr'] as number;
  if (lr > max(p)) return { outcome: 'diverged', step: 3, final: { step: 3, trainLoss: Infinity } };
  const loss = 0.1 * Math.exp(0.5 * Math.log(lr / star(p)) ** 2) * (1 + 0.001 * (p.config.seed as number));
  return { outcome: 'succeeded', step: 100, final: { step: 100, trainLoss: loss } };
};

test('lr-descent runs from the top until stable, then exactly `decades` decades below, per group', () => {
  const gammas = [0.1, 1, 10];
  const lrs = logspace(1e-5, 100, 15); // 0.75-decade steps
  const all = plans({ widths: [64], lrs, seeds: [0, 1], gammas });
  const etaMax = (p: TrialPlan) => 0.4 * (p.axes['model.gamma'] as number) ** 2;
  const strategy = new LrDescentStrategy({ lr: 'optimizer.lr', decades: 3 }, all);
  const { state } = drive(strategy, bowl((p) => 0.05 * (p.axes['model.gamma'] as number) ** 2, etaMax));
  for (const gamma of gammas) {
    const ran = state.planned.filter((p) => p.axes['model.gamma'] === gamma);
    const ranLrs = [...new Set(ran.map((p) => p.axes['optimizer.lr'] as number))].sort((a, b) => b - a);
    const firstStable = lrs.filter((lr) => lr <= 0.4 * gamma ** 2).at(-1)!;
    const expected = lrs.filter((lr) => lr > 0.4 * gamma ** 2 || (lr <= firstStable && lr >= firstStable / 1000 * (1 - 1e-9)));
    assert.deepEqual(ranLrs, expected.sort((a, b) => b - a), `γ0=${gamma}`);
    assert.equal(ran.length, expected.length * 2, 'both seeds at every level');
  }
  assert.ok(state.planned.length < all.length, `skipped ${all.length - state.planned.length} hopeless or useless trials`);
});

test('lr-descent: a group where everything diverges ends without hanging; failed levels keep descending', () => {
  const lrs = [0.001, 0.01, 0.1, 1];
  const all = plans({ widths: [32, 64], lrs, seeds: [0] });
  const landscape: Landscape = (p) => {
    const width = p.axes['model.width'] as number;
    const lr = p.axes['optimizer.lr'] as number;
    if (width === 32) return { outcome: 'diverged', step: 1, final: { step: 1 } };
    if (lr === 1) return { outcome: 'failed', step: 0, final: { step: 0 } };
    return { outcome: 'succeeded', step: 10, final: { step: 10, trainLoss: lr } };
  };
  const { state } = drive(new LrDescentStrategy({ lr: 'optimizer.lr', decades: 1 }, all), landscape);
  const at = (w: number) => state.planned.filter((p) => p.axes['model.width'] === w).map((p) => p.axes['optimizer.lr']).sort();
  assert.deepEqual(at(32), [0.001, 0.01, 0.1, 1]);
  assert.deepEqual(at(64), [0.01, 0.1, 1]);
});

test('lr-descent classifies levels by the analysis stability rule: finite counts a large finite loss as stable, bound cannot with the bound off', () => {
  const lrs = [0.001, 0.01, 0.1, 1, 10];
  // the trials run with the bound off: lr 1 reaches a huge but finite loss, lr 10 a non-finite one
  const all = plans({ widths: [64], lrs, seeds: [0] }).map((p) => {
    const config = trialConfigSchema.parse({ ...p.config, train: { ...p.config.train, divergenceFactor: 0 } });
    return { ...p, id: trialId(config), config };
  });
  const landscape: Landscape = (p) => {
    const lr = p.axes['optimizer.lr'] as number;
    if (lr === 10) return { outcome: 'diverged', divergence: 'nonfinite', step: 4, final: { step: 4 } };
    return { outcome: 'succeeded', step: 100, final: { step: 100, trainLoss: lr === 1 ? 1e12 : lr } };
  };
  const ran = (rule: 'bound' | 'finite') => {
    const strategy = createLrStrategy(searchSchema.parse({ kind: 'lr-descent', decades: 1 }), all, rule)!;
    return drive(strategy, landscape).state.planned.map((p) => p.axes['optimizer.lr']).sort((a, b) => (b as number) - (a as number));
  };
  // finite: 10 unstable, 1 stable → 1 and one decade below
  assert.deepEqual(ran('finite'), [10, 1, 0.1]);
  // bound: no level can be classified (nothing was checked against a bound): it descends to the end
  assert.deepEqual(ran('bound'), [10, 1, 0.1, 0.01, 0.001]);
  // a spec's analysis.phaseDiagram.stability reaches the search
  const resolved = parseSpec([
    'name: s', 'task: { kind: teacher-mlp }', 'optimizer: { kind: sgd, lr: 0.1 }', 'train: { divergenceFactor: 0 }',
    'grid: { optimizer.lr: [0.001, 0.01, 0.1, 1, 10] }', 'search: { kind: lr-descent, decades: 1 }',
    'analysis: { phaseDiagram: { stability: finite } }',
  ].join('\n'));
  const viaSpec = drive(createStrategy(resolved), landscape).state.planned.map((p) => p.axes['optimizer.lr']).sort((a, b) => (b as number) - (a as number));
  assert.deepEqual(viaSpec, [10, 1, 0.1]);
});

test('lr-refine recovers a known optimum per width to within the requested bracket', () => {
  const widths = [64, 256, 1024];
  const star = (p: TrialPlan) => 0.3 * Math.pow(p.axes['model.width'] as number / 64, -0.5); // SP-like drift
  const all = plans({ widths, lrs: logspace(1e-3, 10, 5), seeds: [0, 1] });
  const strategy = createLrStrategy(searchSchema.parse({ kind: 'lr-refine', width: 0.05, maxRounds: 8 }), all)!;
  const { state } = drive(strategy, bowl(star, () => 5));
  for (const w of widths) {
    const ps = state.planned.filter((p) => p.axes['model.width'] === w);
    const lrs = [...new Set(ps.map((p) => p.axes['optimizer.lr'] as number))].sort((a, b) => a - b);
    const truth = 0.3 * Math.pow(w / 64, -0.5);
    const i = lrs.findIndex((lr) => lr > truth);
    assert.ok(i > 0, `width ${w}: optimum bracketed`);
    assert.ok(Math.log10(lrs[i] / lrs[i - 1]) <= 0.05 + 1e-9, `width ${w}: bracket ${lrs[i - 1]}..${lrs[i]} around ${truth}`);
    // every seed got every refined lr
    assert.equal(ps.length, lrs.length * 2);
  }
});

test('lr-refine follows an optimum beyond the grid edge and stops at maxRounds', () => {
  const all = plans({ widths: [128], lrs: [0.001, 0.01, 0.1], seeds: [0] });
  const strategy = new LrRefineStrategy({ lr: 'optimizer.lr', width: 0.01, maxRounds: 3, perRound: 2 }, all);
  const { state } = drive(strategy, bowl(() => 2, () => 1e9));
  const lrs = state.planned.map((p) => p.axes['optimizer.lr'] as number).sort((a, b) => a - b);
  assert.ok(lrs.some((lr) => lr > 0.1), 'stepped above the top of the grid');
  assert.equal(lrs.length, 3 + 3 * 2, 'three rounds of two');
});

test('lr-refine waits for running trials and never proposes a planned trial again', () => {
  const all = plans({ widths: [64], lrs: [0.01, 0.1, 1], seeds: [0] });
  const strategy = new LrRefineStrategy({ lr: 'optimizer.lr', width: 0.1, maxRounds: 2, perRound: 2 }, all);
  const state: SearchState = { planned: [], finished: {} };
  const first = strategy.step(state);
  assert.equal(first.next.length, 3);
  state.planned.push(...first.next);
  assert.deepEqual(strategy.step(state), { next: [], done: false });
});
