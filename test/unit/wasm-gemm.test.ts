// The wasm backend's matrix product (core/backend/wasm-gemm.ts, core/backend/gemm/sgemm.c)
// against a float64 reference. Tolerance: the standard forward-error bound of a float32 dot
// product of length K (Higham, Accuracy and Stability of Numerical Algorithms, §3.1),
//   |ĉ_ij − c_ij| ≤ γ_K · (|A|·|B|)_ij,  γ_K = K·u / (1 − K·u),  u = 2⁻²⁴,
// which holds for any summation order, fused or not; the float64 reference is exact to ~1e-16
// relative on these float32 inputs. Shapes cross every block edge of the kernel (MR = 4, NR = 8,
// MC = 64, KC = NC = 256), with every transpose combination, batches and broadcasting.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../core/rng.js';
import { activeBackend } from '../../core/backend/backend.js';
import { gemmBytes, instantiateGemm, wasmGemm } from '../../core/backend/wasm-gemm.js';
import { useWasm } from './trainer-fixtures.js';

before(async () => {
  await useWasm();
});

const U = 2 ** -24;

function normals(seed: number, n: number): Float32Array {
  const out = new Float32Array(n);
  new Rng(seed, 'gemm-test').fillNormal(out, 1);
  return out;
}

/** op(A)·op(B) in float64, and |op(A)|·|op(B)| for the error bound. */
function reference(a: Float32Array, b: Float32Array, M: number, N: number, K: number, tA: boolean, tB: boolean) {
  const c = new Float64Array(M * N), abs = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0, t = 0;
      for (let k = 0; k < K; k++) {
        const x = tA ? a[k * M + i] : a[i * K + k];
        const y = tB ? b[j * K + k] : b[k * N + j];
        s += x * y;
        t += Math.abs(x * y);
      }
      c[i * N + j] = s;
      abs[i * N + j] = t;
    }
  }
  return { c, abs };
}

/** Largest |ĉ − c| / (γ_K·(|A||B|)) over the entries: ≤ 1 means within the bound. */
function boundRatio(got: ArrayLike<number>, c: Float64Array, abs: Float64Array, K: number): number {
  const gamma = (K * U) / (1 - K * U);
  let worst = 0;
  for (let i = 0; i < c.length; i++) {
    const err = Math.abs(got[i] - c[i]);
    if (err === 0) continue;
    worst = Math.max(worst, err / (gamma * abs[i]));
  }
  return worst;
}

test('the wasm backend reports and uses our matrix product', () => {
  assert.match(activeBackend() ?? '', /gemm: (relaxed-simd|simd), (fma|mul\+add)/);
  assert.equal(wasmGemm(), true);
});

test('2-D products of every shape class and transpose combination are within the float32 dot-product bound', () => {
  const shapes: [number, number, number][] = [
    [1, 1, 1], [3, 5, 7], [4, 8, 1], [5, 9, 3], [1, 300, 2], [300, 1, 2], [7, 13, 0],
    [64, 256, 256], [65, 257, 257], [63, 255, 255], [130, 520, 513], [128, 512, 64], [512, 512, 128], [17, 8, 1000],
  ];
  let seed = 1;
  for (const [M, N, K] of shapes) {
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        const a = normals(seed++, M * K), b = normals(seed++, K * N);
        const got = tf.tidy(() => tf.matMul(
          tf.tensor2d(a, tA ? [K, M] : [M, K]), tf.tensor2d(b, tB ? [N, K] : [K, N]), tA, tB).dataSync());
        assert.equal(got.length, M * N);
        const { c, abs } = reference(a, b, M, N, K, tA, tB);
        if (K === 0) {
          assert.ok(got.every((x) => x === 0), `K = 0 gives zeros (${M}×${N})`);
          continue;
        }
        const r = boundRatio(got, c, abs, K);
        assert.ok(r <= 1, `M=${M} N=${N} K=${K} tA=${tA} tB=${tB}: error ${r.toFixed(3)}× the bound`);
      }
    }
  }
});

test('batched and broadcast products match per-matrix products; results are bit-identical on repeat', () => {
  const [B, M, N, K] = [3, 9, 11, 70];
  const a = normals(100, B * M * K), b = normals(101, B * K * N), b1 = normals(102, K * N);
  const A = tf.tensor3d(a, [B, M, K]), Bt = tf.tensor3d(b, [B, K, N]), B1 = tf.tensor2d(b1, [K, N]);
  const batched = tf.matMul(A, Bt).dataSync();
  const broadcast = tf.matMul(A, B1).dataSync();
  assert.deepEqual(tf.matMul(A, Bt).shape, [B, M, N]);
  for (let i = 0; i < B; i++) {
    const ai = a.subarray(i * M * K, (i + 1) * M * K);
    const one = tf.tidy(() => tf.matMul(tf.tensor2d(ai, [M, K]), tf.tensor2d(b.subarray(i * K * N, (i + 1) * K * N), [K, N])).dataSync());
    assert.deepEqual(Array.from(batched.subarray(i * M * N, (i + 1) * M * N)), Array.from(one), `batch ${i}`);
    const { c, abs } = reference(ai, b1, M, N, K, false, false);
    assert.ok(boundRatio(broadcast.subarray(i * M * N, (i + 1) * M * N), c, abs, K) <= 1, `broadcast batch ${i}`);
  }
  assert.deepEqual(Array.from(tf.matMul(A, Bt).dataSync()), Array.from(batched));
  // equal batch sizes that still broadcast: [3, 1] against [1, 3] batches give 3 × 3 products
  const A4 = tf.reshape(A, [B, 1, M, K]), B4 = tf.reshape(Bt, [1, B, K, N]);
  const cross = tf.matMul(A4, B4);
  assert.deepEqual(cross.shape, [B, B, M, N]);
  const crossData = cross.dataSync();
  for (let i = 0; i < B; i++) {
    for (let j = 0; j < B; j++) {
      const { c, abs } = reference(a.subarray(i * M * K, (i + 1) * M * K), b.subarray(j * K * N, (j + 1) * K * N), M, N, K, false, false);
      const at = (i * B + j) * M * N;
      assert.ok(boundRatio(crossData.subarray(at, at + M * N), c, abs, K) <= 1, `broadcast pair (${i}, ${j})`);
    }
  }
  tf.dispose([A, Bt, B1, A4, B4, cross]);
});

test('mismatched inner dimensions are a clear error', () => {
  assert.throws(() => tf.matMul(tf.zeros([3, 4]), tf.zeros([5, 2])), /inner/);
});

test('gradients through matMul (tf.grad) agree with the closed form', () => {
  const a = tf.tensor2d(normals(7, 6 * 5), [6, 5]), b = tf.tensor2d(normals(8, 5 * 4), [5, 4]);
  const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.matMul(x, y)))([a, b]);
  // d/dA Σ(AB) = 1·Bᵀ, d/dB = Aᵀ·1
  const bd = b.arraySync() as number[][], ad = a.arraySync() as number[][];
  const gaWant = ad.map(() => bd.map((row) => row.reduce((s, x) => s + x, 0)));
  const gbWant = bd.map((_, k) => bd[0].map(() => ad.reduce((s, row) => s + row[k], 0)));
  const close = (x: number[][], y: number[][]) => x.every((r, i) => r.every((v, j) => Math.abs(v - y[i][j]) <= 1e-5 * (1 + Math.abs(y[i][j]))));
  assert.ok(close(ga.arraySync() as number[][], gaWant));
  assert.ok(close(gb.arraySync() as number[][], gbWant));
});

test('the plain-SIMD build (runtimes without relaxed SIMD) gives results within the same bound', () => {
  const memory = new WebAssembly.Memory({ initial: 2 }) // the module asks for at least 2 pages;
  const [M, N, K] = [37, 45, 300];
  const a = normals(200, M * K), b = normals(201, K * N);
  for (const build of ['simd', 'relaxed'] as const) {
    const g = instantiateGemm(build, memory);
    const bytes = 4 * (M * K + K * N + M * N + g.scratch_floats());
    memory.grow(Math.ceil(bytes / 65536) + 1);
    const f = new Float32Array(memory.buffer);
    f.set(a, 0);
    f.set(b, M * K);
    g.sgemm(M, N, K, 0, 0, 4 * M * K, 0, 4 * (M * K + K * N), 1, 4 * (M * K + K * N + M * N));
    const got = new Float32Array(memory.buffer, 4 * (M * K + K * N), M * N);
    const { c, abs } = reference(a, b, M, N, K, false, false);
    assert.ok(boundRatio(got, c, abs, K) <= 1, build);
    assert.equal(gemmBytes(build).length > 0, true);
  }
});

test('SWEEP_WASM_GEMM=xnnpack keeps the stock kernel', () => {
  const backend = fileURLToPath(new URL('../../core/backend/backend.js', import.meta.url));
  const script = `import { initBackend } from ${JSON.stringify(backend)};
    import * as tf from '@tensorflow/tfjs';
    const d = await initBackend({ name: 'wasm', threads: 1 });
    const c = tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6, 7, 8], [2, 2]), true, false);
    console.log(JSON.stringify({ d, c: Array.from(c.dataSync()) }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, SWEEP_WASM_GEMM: 'xnnpack' }, encoding: 'utf8', cwd: fileURLToPath(new URL('../../../', import.meta.url)),
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.doesNotMatch(out.d, /gemm/);
  assert.deepEqual(out.c, [26, 30, 38, 44]);
});
