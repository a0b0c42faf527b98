// On every test backend (wasm and native TensorFlow, trainer-fixtures.ts TEST_BACKENDS):
// gradients and Hessian-vector products of the trainer's MLP, for every parametrization and
// activation (with and without centering and biases, MSE and cross-entropy), against an
// independent float64 reference implementation (test/unit/trainer-reference.ts):
//   - loss value: relative difference ≤ 1e-5 (float32 forward pass);
//   - gradient vs central finite differences of the float64 reference loss:
//     ‖g − g_fd‖ ≤ 1e-5·‖g_fd‖ and every entry within 1e-4·max|g_fd| (observed: ≤ 4e-7);
//   - the reference's own analytic gradient vs the same finite differences: ≤ 1e-6 (validates
//     the reference used below);
//   - exact HVP vs the directional central difference of the float64 analytic gradient:
//     ‖Hv − Hv_ref‖ ≤ 1e-5·‖Hv_ref‖ (observed: ≤ 3e-7).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Mlp } from '../../core/model/mlp.js';
import { lossCurvature, lossGrad, lossSum } from '../../core/model/loss.js';
import * as ref from './trainer-reference.js';
import { dataset, model, sgd, TEST_BACKENDS, trial, useBackend } from './trainer-fixtures.js';
import { Trainer } from '../../core/train/trainer.js';

const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((a, x) => a + x * x, 0));
const maxAbs = (v: ArrayLike<number>) => Array.from(v).reduce((a, x) => Math.max(a, Math.abs(x)), 0);
const diff = (a: ArrayLike<number>, b: ArrayLike<number>) => Float64Array.from(a, (x, i) => x - b[i]);

type Case = ref.RefNet;

function check(c: Case, seed: number): void {
  const B = 6;
  const mlp = new Mlp(model({
    activation: c.act, depth: c.L, width: c.N, parametrization: c.param, gamma: c.gamma, center: c.centered, bias: c.bias,
  }), sgd(), c.D, c.out);
  assert.equal(mlp.centered, c.centered);
  // initial parameters from the product's init, then moved away from init so that centering and
  // biases matter
  const p0Tensors = mlp.init(seed);
  const p0 = p0Tensors.map((t) => Float64Array.from(t.dataSync()));
  const noise = ref.normals(seed + 1, ref.flatten(p0).length);
  let o = 0;
  const p = p0.map((t) => t.map((v) => Math.fround(v + 0.3 * noise[o++] * (c.param === 'sp' ? 0.3 : 1))));
  const x = ref.normals(seed + 2, B * c.D).map(Math.fround);
  let y: Float64Array;
  if (c.loss === 'mse') {
    y = ref.normals(seed + 3, B * c.out).map(Math.fround);
  } else {
    y = new Float64Array(B * c.out);
    for (let i = 0; i < B; i++) y[i * c.out + ((i * 7 + seed) % c.out)] = 1;
  }
  const shapes = mlp.specs.map((s) => s.shape);
  const P = p.map((t, i) => tf.tensor(Float32Array.from(t), shapes[i]));
  const P0 = p0Tensors;
  const xs = tf.tensor2d(Float32Array.from(x), [B, c.D]);
  const ys = tf.tensor2d(Float32Array.from(y), [B, c.out]);
  const v = ref.normals(seed + 4, ref.flatten(p).length);
  const V = ref.unflatten(v, p).map((t, i) => tf.tensor(Float32Array.from(t), shapes[i]));

  let lossValue = NaN;
  let grads: Float64Array = new Float64Array(0);
  let hv: Float64Array = new Float64Array(0);
  tf.tidy(() => {
    const fw = mlp.forward(P, xs);
    const raw = fw.hs[fw.hs.length - 1];
    const f = mlp.centered ? tf.sub(raw, mlp.apply(P0, xs)) : raw;
    const bw = mlp.backward(P, fw, lossGrad(c.loss, f, ys));
    const prob = c.loss === 'xent' ? tf.softmax(f) : null;
    const H = mlp.hvpOperator(P, fw, bw, (rf) => lossCurvature(c.loss, rf, prob));
    lossValue = lossSum(c.loss, f, ys).dataSync()[0] / B;
    grads = ref.flatten(bw.grads.map((g) => Float64Array.from(g.dataSync())));
    hv = ref.flatten(H.apply(V).map((g) => Float64Array.from(g.dataSync())));
  });
  [...P, ...P0, ...V, xs, ys].forEach((t) => t.dispose());

  const label = JSON.stringify(c);
  const lossRef = ref.lossAt(c, p, p0, x, y, B);
  assert.ok(Math.abs(lossValue - lossRef) <= 1e-5 * Math.abs(lossRef) + 1e-7, `${label}: loss ${lossValue} vs ${lossRef}`);

  const flatP = ref.flatten(p);
  const fd = ref.fdGradient((w) => ref.lossAt(c, ref.unflatten(w, p), p0, x, y, B), flatP);
  const analytic = ref.flatten(ref.gradient(c, p, p0, x, y, B));
  assert.ok(norm(diff(analytic, fd)) <= 1e-6 * norm(fd) + 1e-12, `${label}: reference gradient disagrees with finite differences`);
  const gErr = norm(diff(grads, fd));
  assert.ok(gErr <= 1e-5 * norm(fd), `${label}: ‖g − g_fd‖ = ${gErr.toExponential(3)} vs ‖g_fd‖ = ${norm(fd).toExponential(3)}`);
  assert.ok(maxAbs(diff(grads, fd)) <= 1e-4 * maxAbs(fd), `${label}: entrywise gradient error`);

  const eps = 1e-5;
  const gPlus = ref.flatten(ref.gradient(c, ref.unflatten(flatP.map((w, i) => w + eps * v[i]), p), p0, x, y, B));
  const gMinus = ref.flatten(ref.gradient(c, ref.unflatten(flatP.map((w, i) => w - eps * v[i]), p), p0, x, y, B));
  const hvRef = gPlus.map((g, i) => (g - gMinus[i]) / (2 * eps));
  const hErr = norm(diff(hv, hvRef));
  if (process.env.SWEEP_TEST_VERBOSE) console.log(label, (gErr / norm(fd)).toExponential(2), (hErr / norm(hvRef)).toExponential(2));
  assert.ok(hErr <= 1e-5 * norm(hvRef), `${label}: ‖Hv − Hv_ref‖ = ${hErr.toExponential(3)} vs ‖Hv_ref‖ = ${norm(hvRef).toExponential(3)}`);
}

for (const backend of TEST_BACKENDS) describe(`on ${backend.name}`, () => {
  before(async () => {
    await useBackend(backend);
  });

  const ACTS: ref.Act[] = ['relu', 'tanh', 'gelu', 'linear'];
  const PARAMS: ref.Param[] = ['sp', 'ntk', 'mup'];

  for (const param of PARAMS) {
    for (const act of ACTS) {
      test(`gradient and HVP: ${param}, ${act}, plain (γ0 = 1, no bias)`, () => {
        check({ D: 5, N: 7, L: 3, out: 2, act, param, gamma: 1, bias: false, centered: false, loss: 'mse' }, 11);
      });
      test(`gradient and HVP: ${param}, ${act}, centered with biases (γ0 = 3)`, () => {
        check({ D: 4, N: 6, L: 3, out: 2, act, param, gamma: 3, bias: true, centered: true, loss: 'mse' }, 23);
      });
    }
    test(`gradient and HVP: ${param}, softmax cross-entropy, tanh, depth 4, biases`, () => {
      check({ D: 4, N: 5, L: 4, out: 3, act: 'tanh', param, gamma: 0.5, bias: true, centered: false, loss: 'xent' }, 37);
    });
    test(`gradient and HVP: ${param}, depth 2 (P5's two-layer net) and depth 1 (linear model)`, () => {
      check({ D: 6, N: 9, L: 2, out: 1, act: 'gelu', param, gamma: 1, bias: false, centered: false, loss: 'mse' }, 41);
      check({ D: 6, N: 9, L: 1, out: 2, act: 'relu', param, gamma: 2, bias: true, centered: true, loss: 'mse' }, 43);
    });
  }

  test('the parametrizations scale as docs/science.md §1 says (init std, multipliers, SGD lr factors)', () => {
    const N = 64, D = 8;
    const at = (parametrization: 'sp' | 'ntk' | 'mup', gamma = 1) =>
      new Mlp(model({ depth: 3, width: N, parametrization, gamma }), sgd(), D, 1).layers;
    const mup = at('mup', 2);
    assert.deepEqual(mup.map((l) => l.initStd), [1, 1, 1]);
    assert.deepEqual(mup.map((l) => l.multiplier), [1 / Math.sqrt(D), 1 / Math.sqrt(N), 1 / (2 * N)]);
    assert.deepEqual(mup.map((l) => l.weightLr), [N, N, N]);
    const ntk = at('ntk', 2);
    assert.deepEqual(ntk.map((l) => l.multiplier), [1 / Math.sqrt(D), 1 / Math.sqrt(N), 1 / (2 * Math.sqrt(N))]);
    assert.deepEqual(ntk.map((l) => l.weightLr), [1, 1, 1]);
    const sp = at('sp');
    assert.deepEqual(sp.map((l) => l.initStd), [1 / Math.sqrt(D), 1 / Math.sqrt(N), 1 / Math.sqrt(N)]);
    assert.deepEqual(sp.map((l) => l.multiplier), [1, 1, 1]);
    // µP for Adam: hidden layers η0/sqrt(N) in multiplier form (MuAdam's 1/fan_in on effective weights)
    const adam = new Mlp(model({ depth: 3, width: N, parametrization: 'mup' }), { kind: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 }, D, 1).layers;
    assert.deepEqual(adam.map((l) => l.weightLr), [1, 1 / Math.sqrt(N), 1]);
    // stored init has the stated std (sample estimate over N² = 4096 entries: ±5%)
    const W = new Mlp(model({ depth: 3, width: N, parametrization: 'sp' }), sgd(), D, 1).init(5)[1];
    const values = Float64Array.from(W.dataSync());
    const std = Math.sqrt(values.reduce((a, x) => a + x * x, 0) / values.length);
    assert.ok(Math.abs(std * Math.sqrt(N) - 1) < 0.05, `sp hidden init std ${std}`);
    W.dispose();
  });

  test('a plain SGD step (learning rates folded into the backward pass) equals θ − η·∇L', () => {
    const cfg = trial({
      task: { kind: 'teacher-mlp', inputDim: 5 }, model: { width: 9, depth: 3, parametrization: 'mup', activation: 'gelu', bias: true, gamma: 2 },
      optimizer: { kind: 'sgd', lr: 0.07 },
    });
    const tr = new Trainer(cfg, 5, 2);
    const B = 7;
    const ds = dataset(ref.normals(1, B * 5), ref.normals(2, B * 2), B, 5, 2);
    const before = tr.params.map((p) => Float64Array.from(p.dataSync()));
    const net: ref.RefNet = { D: 5, N: 9, L: 3, out: 2, act: 'gelu', param: 'mup', gamma: 2, bias: true, centered: true, loss: 'mse' };
    const g = ref.gradient(net, before, before, Float64Array.from(ds.x), Float64Array.from(ds.y), B);
    const lossBefore = tr.step(ds);
    assert.ok(Math.abs(lossBefore - ref.lossAt(net, before, before, Float64Array.from(ds.x), Float64Array.from(ds.y), B)) < 1e-6);
    const lrs = tr.mlp.lrFactors().map((f) => f * 0.07);
    assert.deepEqual(lrs, tr.mlp.specs.map(() => 0.07 * 9), 'mup: every parameter at η0·N');
    tr.params.forEach((p, i) => {
      const after = p.dataSync();
      const expected = before[i].map((v, k) => v - lrs[i] * g[i][k]);
      const err = Math.max(...Array.from(after, (v, k) => Math.abs(v - expected[k])));
      const scale = Math.max(...Array.from(expected, (v) => Math.abs(v)));
      assert.ok(err <= 1e-5 * scale, `parameter ${i}: max error ${err}`);
    });
    tr.dispose();
  });
});
