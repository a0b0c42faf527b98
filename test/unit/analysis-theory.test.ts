// P1's prediction for circle-power-law holds only for networks that can represent the target:
// the odd-harmonic share of the target (closed form, from the generator's own coefficients and
// from its test set), the fact that a bias-free two-layer ReLU net has no odd harmonic ≥ 3, and
// that the analysis attaches the prediction only with biases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSweep } from '../../core/analysis/analyze.js';
import { oddHarmonicFraction, taskTheory, theoryWithheld } from '../../core/analysis/theory.js';
import { taskSchema, trialConfigSchema } from '../../core/config/trial.js';
import type { MetricMessage } from '../../core/messages.js';
import type { TrialRecord } from '../../core/outcome.js';
import { Rng } from '../../core/rng.js';
import { createTask } from '../../core/tasks/index.js';

/** Trigamma ψ1(x) by its asymptotic series; error below 1e-16 for x ≥ 60. */
const trigamma = (x: number) => 1 / x + 1 / (2 * x ** 2) + 1 / (6 * x ** 3) - 1 / (30 * x ** 5) + 1 / (42 * x ** 7);

test('odd harmonics k ≥ 3 carry 14.04% of the circle target variance for q = 1, K = 128 (floor 0.0702 in ½·MSE)', () => {
  // Closed form for q = 1: Σ_{k≤K} k^−2 = π²/6 − ψ1(K+1); Σ_{odd k≤K} k^−2 = π²/8 − ψ1(K/2 + ½)/4 (K even).
  const K = 128;
  const all = Math.PI ** 2 / 6 - trigamma(K + 1);
  const odd = Math.PI ** 2 / 8 - trigamma(K / 2 + 0.5) / 4 - 1;
  const exact = odd / all;
  assert.ok(Math.abs(exact - 0.140362) < 1e-6, `closed form ${exact}`);
  const fraction = oddHarmonicFraction(K, 1);
  assert.ok(Math.abs(fraction - exact) < 1e-12, `from the generator's coefficients ${fraction} vs ${exact}`);
  assert.ok(Math.abs(fraction / 2 - 0.0702) < 5e-5, `floor ${fraction / 2}`);

  // The generated test set (uniform θ grid, exact projections): Σ_{odd k≥3} c_k²/2 with c_k = (2/n) Σ y cos kθ.
  const n = 1024;
  const t = createTask(taskSchema.parse({ kind: 'circle-power-law', q: 1, harmonics: K, testSize: n }), 0);
  let fromData = 0;
  for (let k = 3; k <= K; k += 2) {
    let c = 0;
    for (let i = 0; i < n; i++) c += t.test.y[i] * Math.cos(k * Math.atan2(t.test.x[2 * i + 1], t.test.x[2 * i]));
    fromData += ((2 / n) * c) ** 2 / 2;
  }
  assert.ok(Math.abs(fromData - exact) < 1e-5, `from the test set ${fromData} vs ${exact}`);
});

test('a bias-free two-layer ReLU net on the circle has no odd harmonic ≥ 3; with biases it has', () => {
  const rng = new Rng(3);
  const width = 64, n = 720;
  const w = Array.from({ length: width }, () => [rng.normal(), rng.normal()]);
  const v = Array.from({ length: width }, () => rng.normal());
  const b = Array.from({ length: width }, () => rng.normal());
  const harmonic = (k: number, bias: boolean) => {
    let c = 0;
    for (let i = 0; i < n; i++) {
      const th = (2 * Math.PI * i) / n;
      let f = 0;
      for (let j = 0; j < width; j++) f += v[j] * Math.max(0, w[j][0] * Math.cos(th) + w[j][1] * Math.sin(th) + (bias ? b[j] : 0));
      c += f * Math.cos(k * th);
    }
    return Math.abs((2 / n) * c);
  };
  for (const k of [3, 5, 7]) assert.ok(harmonic(k, false) < 1e-9, `bias-free harmonic ${k}: ${harmonic(k, false)}`);
  assert.ok(harmonic(2, false) > 1e-3, 'even harmonics are present');
  assert.ok(harmonic(3, true) > 1e-3, `with biases harmonic 3: ${harmonic(3, true)}`);
});

function circleTrial(id: string, bias: boolean, seed: number): TrialRecord {
  const config = trialConfigSchema.parse({ seed, task: { kind: 'circle-power-law', q: 1, harmonics: 128 }, model: { depth: 2, bias }, optimizer: { kind: 'sgd', lr: 0.1 } });
  return { id, trialId: id, sweepId: 's', config, axes: { 'model.bias': bias, seed }, outcome: 'succeeded', step: 1000, final: { step: 1000, testLoss: 0.1 }, backend: 'cpu', lrConvention: 'plain', durationMs: 1, finishedAt: '' };
}

test('the P1 prediction is attached to circle-power-law time fits only when model.bias is true; otherwise a note says why', async () => {
  const trials: TrialRecord[] = [];
  const metrics: MetricMessage[] = [];
  for (const bias of [true, false]) for (const seed of [0, 1]) {
    const t = circleTrial(`t-${bias}-${seed}`, bias, seed);
    trials.push(t);
    for (let st = 10; st <= 1000; st = Math.round(st * 1.5)) metrics.push({ sweepId: 's', trialId: t.id, step: st, trainLoss: 1, testLoss: 0.01 + 2 * st ** -0.5 });
  }
  assert.ok(taskTheory(trials[0].config));
  assert.equal(taskTheory(trials[2].config), null);
  assert.equal(theoryWithheld(trials[0].config), null);
  const s = await analyzeSweep(trials, metrics, { scalingLaws: [{ axis: 'step', window: [0, 1], bootstrap: 20 }] });
  const withBias = s.scalingLaws.find((x) => x.group['model.bias'] === true)!;
  const noBias = s.scalingLaws.find((x) => x.group['model.bias'] === false)!;
  assert.equal(withBias.prediction?.beta, 0.5);
  assert.equal(noBias.prediction, undefined);
  const note = s.notes.find((x) => x.includes('model.bias=false') && x.includes('no P1 prediction'));
  assert.ok(note, `notes: ${s.notes.join(' | ')}`);
  assert.match(note, /14\.0% of the target variance/);
  assert.ok(!s.notes.some((x) => x.includes('model.bias=true') && x.includes('no P1 prediction')));
});
