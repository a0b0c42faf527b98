// The batched Hessian-vector product and the batched eigen solvers: H·v of a pack against
// central finite differences of the pack's own gradients (an independent reference), each trial's
// slice against the single-trial Mlp.hvpOperator, the batched power iteration and Lanczos against
// topEigen trial by trial (values, iteration counts, vectors), and no tensors left behind.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { modelSchema, optimizerSchema, type ModelConfig } from '../../core/config/trial.js';
import { lossCurvature, lossGrad } from '../../core/model/loss.js';
import { PackedMlp } from '../../core/model/packed-mlp.js';
import { packedLossCurvature, packedLossGrad } from '../../core/model/packed-loss.js';
import { topEigen } from '../../core/measure/top-eigen.js';
import { randomUnit } from '../../core/measure/vectors.js';
import { packedTopEigen } from '../../core/train/packed/packed-eigen.js';
import { randomUnitEach } from '../../core/train/packed/packed-vectors.js';
import { Rng } from '../../core/rng.js';
import { useWasm } from './trainer-fixtures.js';
import { alone, packed } from './packed-fixtures.js';

before(async () => {
  await useWasm();
});

const D = 5, O = 2, B = 24;
const models: ModelConfig[] = [
  modelSchema.parse({ width: 12, depth: 3, parametrization: 'mup', activation: 'tanh', bias: true }),
  modelSchema.parse({ width: 12, depth: 3, parametrization: 'sp', activation: 'tanh', bias: true, gamma: 2 }),
  modelSchema.parse({ width: 12, depth: 3, parametrization: 'ntk', activation: 'tanh', bias: true, gamma: 0.5 }),
];
const optimizer = optimizerSchema.parse({ kind: 'sgd', lr: 0.1 });

function data(seed: number, n: number, cols: number): Float32Array {
  const out = new Float32Array(models.length * n * cols);
  new Rng(seed, 'test-data').fillNormal(out);
  return out;
}

test('batched HVP: each trial’s slice matches central differences of its gradient (float32, rel. 2e-2) and its solo HVP exactly', () => {
  const pm = PackedMlp.of(models.map((model) => ({ model, optimizer })), D, O);
  const T = pm.trials;
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    const params = pm.init([11, 12, 13]);
    const x = tf.tensor3d(data(1, B, D), [T, B, D]);
    const y = tf.tensor3d(data(2, B, O), [T, B, O]);
    const grad = (p: tf.Tensor[]) => {
      const fw = pm.forward(p, x);
      return pm.backward(p, fw, packedLossGrad('mse', fw.hs[fw.hs.length - 1], y)).grads;
    };
    const fw = pm.forward(params, x);
    const bw = pm.backward(params, fw, packedLossGrad('mse', fw.hs[fw.hs.length - 1], y));
    const H = pm.hvpOperator(params, fw, bw, (rf) => packedLossCurvature('mse', rf, null));
    const rngs = [1, 2, 3].map((s) => new Rng(s, 'direction'));
    const v = randomUnitEach(params.map((p) => p.shape), rngs, [true, true, true], null);
    const hv = H.apply(v);
    // central differences in float32: step ε on a unit direction, truncation O(ε²), rounding O(u/ε)
    const eps = 1e-2;
    const plus = grad(params.map((p, i) => tf.add(p, tf.mul(v[i], eps))));
    const minus = grad(params.map((p, i) => tf.sub(p, tf.mul(v[i], eps))));
    for (let t = 0; t < T; t++) {
      let num = 0, den = 0;
      hv.forEach((h, i) => {
        const exact = tf.gather(h, [t], 0).dataSync();
        const fd = tf.div(tf.sub(tf.gather(plus[i], [t], 0), tf.gather(minus[i], [t], 0)), 2 * eps).dataSync();
        exact.forEach((e, k) => { num += (e - fd[k]) ** 2; den += e * e; });
      });
      assert.ok(den > 0, 'a nonzero product');
      assert.ok(Math.sqrt(num / den) < 2e-2, `trial ${t}: relative error ${Math.sqrt(num / den)}`);
      // the same trial through the single-trial model
      const mlp = pm.members[t];
      const solo = params.map((p, i) => tf.reshape(tf.gather(p, [t], 0), mlp.specs[i].shape));
      const xs = tf.reshape(tf.gather(x, [t], 0), [B, D]), ys = tf.reshape(tf.gather(y, [t], 0), [B, O]);
      const sfw = mlp.forward(solo, xs);
      const sbw = mlp.backward(solo, sfw, lossGrad('mse', sfw.hs[sfw.hs.length - 1], ys));
      const sH = mlp.hvpOperator(solo, sfw, sbw, (rf) => lossCurvature('mse', rf, null));
      const shv = sH.apply(v.map((vi, i) => tf.reshape(tf.gather(vi, [t], 0), mlp.specs[i].shape)));
      shv.forEach((s, i) => assert.deepEqual(Array.from(tf.gather(hv[i], [t], 0).dataSync()), Array.from(s.dataSync()), `trial ${t} param ${i}`));
    }
  });
  pm.dispose();
  assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
});

/** A diagonal operator per trial: trial t's spectrum is diag[t]. */
function diagonal(diag: number[][]) {
  const n = diag[0].length;
  const packedD = tf.tensor2d(diag.flat(), [diag.length, n]);
  const soloD = diag.map((d) => tf.tensor1d(d));
  return {
    packed: (v: tf.Tensor[]) => [tf.mul(v[0], packedD)],
    solo: (t: number) => (v: tf.Tensor[]) => [tf.mul(v[0], soloD[t])],
    dispose: () => { packedD.dispose(); soloD.forEach((d) => d.dispose()); },
  };
}

for (const method of ['power', 'lanczos'] as const) {
  test(`batched ${method}: every trial takes the steps topEigen takes alone (values, counts, vectors), also with a dominant negative eigenvalue`, () => {
    const n = 40;
    const spectra = [
      Array.from({ length: n }, (_, i) => 1 + i / 4), // well separated top
      Array.from({ length: n }, (_, i) => (i === 0 ? -30 : 0.5 + i / 10)), // |λ| dominated by a negative one
      Array.from({ length: n }, (_, i) => 3 - 1e-3 * i), // clustered: slow convergence
      Array.from({ length: n }, () => 0), // the null operator
    ];
    const op = diagonal(spectra);
    const before = tf.memory().numTensors;
    const opts = { iterations: 25, tol: 1e-4, method };
    const T = spectra.length;
    const shapes = [[T, n]];
    const rngs = spectra.map((_, t) => new Rng(t + 1, 'sharpness'));
    const like = [tf.zeros([n])];
    const fresh = (want: readonly boolean[], base: tf.Tensor[] | null) => randomUnitEach(shapes, rngs, want, base);
    const start = fresh(spectra.map(() => true), null);
    const est = packedTopEigen(op.packed, start, spectra.map(() => true), opts, fresh);
    for (let t = 0; t < T; t++) {
      const rng = new Rng(t + 1, 'sharpness');
      const soloFresh = () => randomUnit(like, () => rng.normal());
      const s0 = soloFresh();
      const solo = topEigen(op.solo(t), s0, opts, soloFresh);
      assert.equal(est.value[t], solo.value, `trial ${t} value`);
      assert.equal(est.iterations[t], solo.iterations, `trial ${t} iterations`);
      assert.equal(est.converged[t], solo.converged, `trial ${t} converged`);
      const slice = tf.tidy(() => tf.gather(est.vector[0], [t], 0));
      assert.deepEqual(Array.from(slice.dataSync()), Array.from(solo.vector[0].dataSync()), `trial ${t} vector`);
      slice.dispose();
      s0.forEach((x) => x.dispose());
      solo.vector.forEach((x) => x.dispose());
    }
    // power iteration first finds λ = −30, then iterates on H + 30·I towards the positive top
    if (method === 'power') assert.ok(est.value[1] > 0, `the shifted run heads for the top, not −30: ${est.value[1]}`);
    assert.ok(new Set(est.iterations).size > 1, `trials stop at different counts: ${est.iterations}`);
    start.forEach((x) => x.dispose());
    est.vector.forEach((x) => x.dispose());
    like[0].dispose();
    assert.equal(tf.memory().numTensors - before, 0, 'no tensors left behind');
    op.dispose();
  });
}

test('a packed run leaves no tensors behind, also when a trial leaves the pack early', async () => {
  const config = (seed: number, lr: number, kind: 'adam' | 'sgd' = 'adam') => ({
    seed, task: { kind: 'teacher-mlp' as const, inputDim: 4, trainSize: 64, testSize: 32 },
    model: { width: 8, depth: 2, activation: 'relu' as const, bias: true }, optimizer: { kind, lr },
    train: { steps: 6, batchSize: 8, evalEvery: 3, logEvalPoints: 0 },
    measure: { sharpness: { every: 3, batchSize: 16, iterations: 5 } }, backend: { name: 'wasm' as const, threads: 1 },
  });
  await alone(config(1, 0.01), 'warm'); // the backend's own one-time tensors
  const before = tf.memory().numTensors;
  const pack = await packed([config(1, 0.01), config(2, 0.02), config(3, 0.03)]);
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(pack.map((p) => p.result.outcome), ['succeeded', 'succeeded', 'succeeded']);
  const mixed = await packed([config(1, 0.1, 'sgd'), config(2, 1e6, 'sgd'), config(3, 0.05, 'sgd')]);
  assert.deepEqual(mixed.map((p) => p.result.outcome), ['succeeded', 'diverged', 'succeeded']);
  assert.equal(tf.memory().numTensors, before);
});
