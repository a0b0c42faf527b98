// circle-power-law: x on the unit circle, target spectrum k^(−q) with unit variance, theory constants.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { taskSchema } from '../../core/config/trial.js';
import { createTask } from '../../core/tasks/index.js';
import { moments } from './tasks-stats.js';

const cfg = (extra: object = {}) => taskSchema.parse({ kind: 'circle-power-law', ...extra });

test('circle-power-law: Fourier coefficients on the test grid are ∝ k^(−q) and the variance is 1', () => {
  for (const q of [0.75, 1, 1.25]) {
    const K = 256, n = 1024; // the default harmonics
    const t = createTask(cfg({ q, harmonics: K, testSize: n }), 4);
    assert.equal(t.inputDim, 2);
    assert.equal(t.outputDim, 1);
    const { x, y } = t.test;
    const theta = Array.from({ length: n }, (_, i) => Math.atan2(x[2 * i + 1], x[2 * i]));
    // Grid projections c_k = (2/n) Σ y cos(kθ) are exact Fourier coefficients for k < n/2.
    const proj = (k: number, f: (a: number) => number) => (2 / n) * theta.reduce((s, th, i) => s + y[i] * f(k * th), 0);
    let power = 0;
    for (let k = 1; k <= K; k++) power += k ** (-2 * q);
    const sigma = Math.sqrt(power / 2); // closed-form std of the unnormalised sum
    for (let k = 1; k <= K; k++) {
      const c = proj(k, Math.cos);
      // float32 storage of x and y: absolute error ~1e-6
      assert.ok(Math.abs(c - k ** -q / sigma) < 2e-5, `q=${q} k=${k}: coefficient ${c} vs ${k ** -q / sigma}`);
      assert.ok(Math.abs(proj(k, Math.sin)) < 2e-5, `q=${q} k=${k}: sine coefficient`);
    }
    for (const k of [0, K + 1, K + 10, 500]) assert.ok(Math.abs(proj(k, Math.cos)) < 2e-5, `q=${q}: harmonic ${k} absent`);
    const m = moments(y);
    assert.ok(Math.abs(m.mean) < 1e-5, `grid mean ${m.mean}`);
    assert.ok(Math.abs(m.variance - 1) < 1e-4, `grid variance ${m.variance}`);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(Math.hypot(x[2 * i], x[2 * i + 1]) - 1) < 1e-6);
    assert.deepEqual(t.theory, { capacity: 2, source: (2 * q - 1) / 2 });
  }
});

test('circle-power-law: online by default, fresh uniform θ per step with mean 0, variance 1', () => {
  const t = createTask(cfg({ q: 1 }), 9);
  assert.equal(t.train, undefined);
  const b = t.batch(0, 20000);
  const again = createTask(cfg({ q: 1 }), 9).batch(0, 20000);
  assert.deepEqual(b.x, again.x);
  assert.notDeepEqual(t.batch(1, 16).x, b.x.subarray(0, 32));
  const cos = new Float64Array(b.n), sin = new Float64Array(b.n), cos2 = new Float64Array(b.n);
  for (let i = 0; i < b.n; i++) {
    const c = b.x[2 * i], s = b.x[2 * i + 1];
    assert.ok(Math.abs(c * c + s * s - 1) < 1e-6);
    cos[i] = c; sin[i] = s; cos2[i] = c * c;
  }
  // uniform θ: E cos θ = E sin θ = 0, E cos²θ = ½ — within 6 standard errors
  for (const [name, m, target] of [['cos', moments(cos), 0], ['sin', moments(sin), 0], ['cos²', moments(cos2), 0.5]] as const) {
    assert.ok(Math.abs(m.mean - target) < 6 * m.seMean, `E ${name} = ${m.mean}`);
  }
  const my = moments(b.y);
  assert.ok(Math.abs(my.mean) < 6 * my.seMean, `E y = ${my.mean} ± ${my.seMean}`);
  assert.ok(Math.abs(my.variance - 1) < 6 * my.seVariance, `Var y = ${my.variance} ± ${my.seVariance}`);
});

test('circle-power-law: a fixed training set when trainSize > 0, the same target function', () => {
  const t = createTask(cfg({ q: 1.25, harmonics: 8, trainSize: 500 }), 2);
  assert.equal(t.train!.n, 500);
  const { x, y } = t.train!;
  let power = 0;
  for (let k = 1; k <= 8; k++) power += k ** -2.5;
  for (let i = 0; i < 500; i++) {
    const th = Math.atan2(x[2 * i + 1], x[2 * i]);
    let f = 0;
    for (let k = 1; k <= 8; k++) f += k ** -1.25 * Math.cos(k * th);
    assert.ok(Math.abs(f / Math.sqrt(power / 2) - y[i]) < 1e-5);
  }
});
