// Sharpness (top Hessian eigenvalue of the training loss) against references, on every test
// backend (wasm and native TensorFlow, trainer-fixtures.ts TEST_BACKENDS):
//   (a) a linear least-squares model, whose Hessian a²·XᵀX/B is known in closed form (X built with
//       orthogonal columns, so the eigenvalues are set exactly): relative error ≤ 1e-4;
//   (b) tiny tanh and relu networks against a Hessian computed independently in float64 (central
//       differences of the analytic float64 gradient, then a symmetric eigen-solve): ≤ 1e-3,
//       also for the step-scaled value with per-layer step sizes;
//   (c) full-batch GD on a small regression task: the step-scaled sharpness η·λ_max starts well
//       below 2, rises (progressive sharpening) and settles at 2 (edge of stability, Cohen et al.
//       2021, arXiv 2103.00065).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Mlp } from '../../core/model/mlp.js';
import { sharpnessSchema } from '../../core/config/trial.js';
import { SharpnessEstimator } from '../../core/measure/sharpness.js';
import { topEigen } from '../../core/measure/top-eigen.js';
import { symmetricEigen } from '../../core/measure/symmetric-eigen.js';
import { toDevice, disposeBatch } from '../../core/measure/probe.js';
import { runTrial } from '../../core/train/run-trial.js';
import type { MetricMessage } from '../../core/messages.js';
import * as ref from './trainer-reference.js';
import { dataset, model, sgd, TEST_BACKENDS, trial, useBackend } from './trainer-fixtures.js';

/** B × D matrix with orthogonal columns of squared norms B·s2[j] (Gram–Schmidt of normals). */
function orthogonalDesign(B: number, s2: number[], seed: number): Float64Array {
  const D = s2.length;
  const g = ref.normals(seed, B * D);
  const cols: Float64Array[] = [];
  for (let j = 0; j < D; j++) {
    const c = Float64Array.from({ length: B }, (_, i) => g[i * D + j]);
    for (let pass = 0; pass < 2; pass++) for (const u of cols) {
      const d = u.reduce((a, x, i) => a + x * c[i], 0);
      for (let i = 0; i < B; i++) c[i] -= d * u[i];
    }
    const n = Math.sqrt(c.reduce((a, x) => a + x * x, 0));
    cols.push(c.map((x) => x / n));
  }
  const X = new Float64Array(B * D);
  for (let i = 0; i < B; i++) for (let j = 0; j < D; j++) X[i * D + j] = cols[j][i] * Math.sqrt(B * s2[j]);
  return X;
}

for (const backend of TEST_BACKENDS) describe(`on ${backend.name}`, () => {
  before(async () => {
    await useBackend(backend);
  });

  for (const method of ['power', 'lanczos'] as const) {
    test(`(a) linear least squares: λ_max = a²·max eig(XᵀX/B), closed form (${method})`, () => {
      const B = 64, s2 = [4, 2.5, 1, 0.7, 0.3, 0.1];
      const D = s2.length;
      const X = orthogonalDesign(B, s2, 3);
      const y = ref.normals(9, B);
      for (const parametrization of ['ntk', 'sp'] as const) {
        const gamma = parametrization === 'ntk' ? 0.5 : 1;
        const mlp = new Mlp(model({ depth: 1, width: 8, parametrization, gamma, center: false }), sgd(0.3), D, 1);
        const a = mlp.layers[0].multiplier;
        assert.equal(a, parametrization === 'ntk' ? 1 / (gamma * Math.sqrt(D)) : 1);
        const params = mlp.init(1);
        const probe = toDevice(dataset(X, y, B, D, 1));
        // tol 1e-6, not less: float32 Rayleigh quotients wobble by ~1e-7 relative from rounding
        // alone, so a tighter tolerance is met (or not) by chance
        const est = new SharpnessEstimator(mlp, 'mse', sharpnessSchema.parse({ iterations: 100, tol: 1e-6, method }), 5);
        const s = est.measure(params, probe, { uniform: 0.3 });
        const expected = a * a * 4; // XᵀX/B = diag(s2)
        assert.ok(Math.abs(s.sharpness - expected) <= 1e-4 * expected, `${parametrization}: ${s.sharpness} vs ${expected}`);
        assert.ok(Math.abs(s.sharpnessScaled! - 0.3 * expected) <= 1e-4 * 0.3 * expected);
        // warm start: a second measurement at the same point converges at once
        const again = est.measure(params, probe, { uniform: 0.3 });
        assert.ok(again.hvps <= 3, `warm start used ${again.hvps} HVPs`);
        assert.ok(Math.abs(again.sharpness - expected) <= 1e-4 * expected);
        est.dispose();
        disposeBatch(probe);
        params.forEach((p) => p.dispose());
      }
    });

    for (const act of ['tanh', 'relu'] as const) test(`(b) tiny ${act} network: λ_max and step-scaled λ_max vs an independent float64 Hessian (${method})`, () => {
      const net: ref.RefNet = { D: 3, N: 4, L: 3, out: 1, act, param: 'ntk', gamma: 1, bias: true, centered: false, loss: 'mse' };
      const B = 10;
      const mlp = new Mlp(model({ depth: 3, width: 4, activation: act, parametrization: 'ntk', bias: true }), sgd(), 3, 1);
      // a point away from init, with larger weights so that the tanh curvature term matters
      const init = mlp.init(4).map((t) => Float64Array.from(t.dataSync()));
      const noise = ref.normals(17, ref.flatten(init).length);
      let o = 0;
      const p = init.map((t) => t.map((v) => Math.fround(1.5 * v + 0.5 * noise[o++])));
      const params = p.map((t, i) => tf.tensor(Float32Array.from(t), mlp.specs[i].shape));
      const x = ref.normals(21, B * 3).map(Math.fround);
      const y = ref.normals(22, B).map(Math.fround);
      const flat = ref.flatten(p);
      const H = ref.fdHessian((w) => ref.flatten(ref.gradient(net, ref.unflatten(w, p), p, x, y, B)), flat);
      const n = flat.length;
      const top = ref.topEigenvalue(H, n);
      // for tanh, H is indefinite at this point (eigenvalues about −0.35 … 1.64): the curvature
      // term of the activation matters, so a Gauss–Newton approximation would not pass
      const probe = toDevice(dataset(x, y, B, 3, 1));
      const est = new SharpnessEstimator(mlp, 'mse', sharpnessSchema.parse({ iterations: 400, tol: 1e-8, method }), 5);
      // per-parameter step sizes: P = diag(step of each tensor) → reference P^½ H P^½
      const steps = mlp.specs.map((s, i) => 0.05 * (i + 1) * (s.kind === 'bias' ? 0.5 : 1));
      const s = est.measure(params, probe, { perParam: steps });
      assert.ok(Math.abs(s.sharpness - top) <= 1e-3 * Math.abs(top), `λ_max ${s.sharpness} vs reference ${top}`);
      const stepOf = new Float64Array(n);
      o = 0;
      p.forEach((t, i) => { for (let k = 0; k < t.length; k++) stepOf[o++] = Math.sqrt(steps[i]); });
      const Hs = H.map((h, idx) => h * stepOf[Math.floor(idx / n)] * stepOf[idx % n]);
      const topScaled = ref.topEigenvalue(Hs, n);
      assert.ok(Math.abs(s.sharpnessScaled! - topScaled) <= 1e-3 * Math.abs(topScaled), `scaled ${s.sharpnessScaled} vs ${topScaled}`);
      est.dispose();
      disposeBatch(probe);
      params.forEach((t) => t.dispose());
    });
  }

  test('top eigenvalue is the algebraically largest even when a negative eigenvalue dominates', () => {
    // operator diag(−5, 2, 1, 0.5) on a one-tensor "parameter space"
    const d = tf.tensor1d([-5, 2, 1, 0.5]);
    const op = (v: tf.Tensor[]) => [tf.mul(v[0], d)];
    let seed = 1;
    const fresh = () => [tf.tensor1d(Float32Array.from(ref.normals(seed++, 4)))];
    for (const method of ['power', 'lanczos'] as const) {
      const start = fresh();
      const r = topEigen(op, start, { iterations: 200, tol: 1e-9, method }, fresh);
      assert.ok(Math.abs(r.value - 2) < 1e-4, `${method}: ${r.value}`);
      const v = r.vector[0].dataSync();
      assert.ok(Math.abs(Math.abs(v[1]) - 1) < 1e-3, `${method}: eigenvector ${Array.from(v)}`);
      start.forEach((t) => t.dispose());
      r.vector.forEach((t) => t.dispose());
    }
    d.dispose();
  });

  test('symmetric eigen-solver (Lanczos tridiagonal): A·v = λ·v for a random symmetric matrix', () => {
    const n = 7;
    const g = ref.normals(5, n * n);
    const A = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => g[i * n + j] + g[j * n + i]));
    const { values, vectors } = symmetricEigen(A);
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < n; i++) {
        const av = A[i].reduce((s, a, j) => s + a * vectors[k][j], 0);
        assert.ok(Math.abs(av - values[k] * vectors[k][i]) < 1e-10);
      }
      if (k > 0) assert.ok(values[k] <= values[k - 1]);
    }
    assert.ok(Math.abs(values[0] - ref.topEigenvalue(Float64Array.from(A.flat()), n)) < 1e-9);
  });

  test('(c) full-batch GD at the edge of stability: η·λ_max rises from below 1 and settles at 2', async () => {
    const lr = 0.2;
    const config = trial({
      seed: 0,
      task: { kind: 'teacher-mlp', inputDim: 16, trainSize: 256, testSize: 64, teacherWidth: 32, teacherDepth: 2, noise: 1 },
      model: { width: 32, depth: 3, parametrization: 'sp', activation: 'tanh' },
      optimizer: { kind: 'sgd', lr },
      train: { steps: 600, batchSize: 0, evalEvery: 0, logEvalPoints: 0 },
      measure: { sharpness: { every: 25, iterations: 30, tol: 1e-4 }, weightMovement: false },
      backend,
    });
    const metrics: MetricMessage[] = [];
    const result = await runTrial(config, {
      sweepId: 'eos', trialId: `eos-${backend.name}`, emit: (m) => { if ('trainLoss' in m) metrics.push(m); },
    });
    assert.equal(result.outcome, 'succeeded');
    const s = metrics.filter((m) => m.sharpnessScaled !== undefined);
    assert.equal(s.length, 25);
    for (const m of s) assert.ok(Math.abs(m.sharpnessScaled! - lr * m.sharpness!) < 1e-6 * m.sharpnessScaled!, 'plain SGD: scaled = η·λ');
    const first = s[0].sharpnessScaled!;
    assert.ok(first < 1, `starts below the threshold: ${first}`);
    const late = s.slice(-10).map((m) => m.sharpnessScaled!);
    for (const v of late) assert.ok(v > 1.85 && v < 2.15, `late η·λ_max ${v} should sit at 2 (${late.map((x) => x.toFixed(3)).join(', ')})`);
    const mean = late.reduce((a, b) => a + b, 0) / late.length;
    assert.ok(Math.abs(mean - 2) < 0.05, `mean of the last 10: ${mean}`);
    // the loss keeps decreasing overall even though λ_max is pinned at 2/η
    assert.ok(metrics[metrics.length - 1].trainLoss < 0.1 * metrics[0].trainLoss);
  });
});
