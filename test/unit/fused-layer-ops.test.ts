// The fused layer ops the MLP's step uses (core/model/matmul.ts: multiplier, ReLU and ReLU
// backprop in the wasm gemm's epilogue; TensorFlow's ReluGrad on the native backend) against the
// separate tfjs ops they replace, on every test backend. The claim is exact equality, not a
// tolerance: each fused stage rounds as the separate op does (alpha·(A·B) is one rounding after
// the full sum; step and relu are exact), so the floats must be identical bit for bit. Shapes
// cross the kernel's block edges (MR = 4, NR = 8, MC = 64, KC = NC = 256), so the multi-pass sums
// over K and the edge tiles are covered. Inputs hold zeros of both signs; NaN is checked apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../core/rng.js';
import { fusedMatMulReady, wasmGemm } from '../../core/backend/wasm-gemm.js';
import { reluBackprop } from '../../core/backend/relu-backprop.js';
import { matMulTA, matMulTB, matMulTBReluBackprop, scaledMatMul, scaledMatMulRelu, scaledMatMulTA } from '../../core/model/matmul.js';
import { TEST_BACKENDS, useBackend } from './trainer-fixtures.js';

function normals(seed: number, n: number, zeros = false): Float32Array {
  const out = new Float32Array(n);
  new Rng(seed, 'fused-test').fillNormal(out, 1);
  // some exact zeros, of both signs, where step and relu have their edge
  if (zeros) for (let i = 0; i < n; i += 7) out[i] = i % 14 === 0 ? 0 : -0;
  return out;
}

/** Same floats bit for bit (NaN equal to NaN, 0 and −0 told apart). */
function sameBits(got: tf.Tensor, want: tf.Tensor, what: string): void {
  assert.deepEqual(got.shape, want.shape, what);
  const x = Float32Array.from(got.dataSync()), y = Float32Array.from(want.dataSync());
  const a = new Uint32Array(x.buffer), b = new Uint32Array(y.buffer);
  let differ = 0, first = -1;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i] && !(Number.isNaN(x[i]) && Number.isNaN(y[i]))) { differ++; if (first < 0) first = i; }
  }
  assert.equal(differ, 0, `${what}: ${differ} of ${a.length} entries differ (first at ${first}: ${x[first]} vs ${y[first]})`);
}

const SHAPES: [number, number, number][] = [[5, 9, 3], [37, 45, 300], [64, 256, 257], [128, 512, 64], [130, 520, 513], [4, 8, 1]];
const ALPHAS = [1, 1 / Math.sqrt(512), 1 / 1024, 3.7];

for (const backend of TEST_BACKENDS) {
  test(`${backend.name}: alpha·(A·B), alpha·(Aᵀ·B) and relu(alpha·A·B) equal the separate ops bit for bit`, async () => {
    await useBackend(backend);
    if (backend.name === 'wasm') assert.ok(wasmGemm() && fusedMatMulReady(), 'the fused path is the one under test');
    let seed = 1;
    for (const [M, N, K] of SHAPES) {
      for (const alpha of ALPHAS) {
        tf.tidy(() => {
          const a = tf.tensor2d(normals(seed++, M * K, true), [M, K]);
          const b = tf.tensor2d(normals(seed++, K * N, true), [K, N]);
          const what = `${M}×${N}×${K}, alpha ${alpha}`;
          const want = tf.mul(tf.matMul(a, b), alpha);
          sameBits(scaledMatMul(a, b, alpha), want, `scaledMatMul ${what}`);
          const { h, z } = scaledMatMulRelu(a, b, alpha);
          sameBits(h, want, `scaledMatMulRelu h ${what}`);
          sameBits(z, tf.relu(want), `scaledMatMulRelu z ${what}`);
          const at = tf.tensor2d(normals(seed++, K * M, true), [K, M]);
          sameBits(scaledMatMulTA(at, b, alpha), tf.mul(matMulTA(at, b), alpha), `scaledMatMulTA ${what}`);
        });
      }
    }
  });

  test(`${backend.name}: (G·Wᵀ)·step(h) equals matMulTB then tf.step and tf.mul bit for bit`, async () => {
    await useBackend(backend);
    let seed = 100;
    for (const [M, N, K] of SHAPES) {
      tf.tidy(() => {
        const g = tf.tensor2d(normals(seed++, M * K), [M, K]);
        const w = tf.tensor2d(normals(seed++, N * K), [N, K]);
        const h = tf.tensor2d(normals(seed++, M * N, true), [M, N]);
        sameBits(matMulTBReluBackprop(g, w, h), tf.mul(matMulTB(g, w), tf.step(h, 0)), `${M}×${N}×${K}`);
      });
    }
  });

  test(`${backend.name}: ReLU backprop at a NaN pre-activation gives NaN (tf.step) or 0 (TensorFlow's ReluGrad), never a finite wrong value`, async () => {
    await useBackend(backend);
    tf.tidy(() => {
      const g = tf.tensor2d([[1, -2, 3, 4]]), w = tf.eye(4);
      const h = tf.tensor2d([[NaN, 1, -1, NaN]]);
      for (const got of [Array.from(matMulTBReluBackprop(g, w, h).dataSync()), Array.from(reluBackprop(g, h).dataSync())]) {
        assert.deepEqual(got.slice(1, 3), [-2, 0]);
        for (const i of [0, 3]) assert.ok(Number.isNaN(got[i]) || got[i] === 0, `entry ${i}: ${got[i]}`);
      }
    });
  });
}
