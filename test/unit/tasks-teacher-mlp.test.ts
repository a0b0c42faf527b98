// teacher-mlp: deterministic per task.seed, different across task seeds, unit-variance targets, batches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { taskSchema } from '../../core/config/trial.js';
import { createTask } from '../../core/tasks/index.js';
import { erf } from '../../core/tasks/activations.js';
import { Rng } from '../../core/rng.js';

const cfg = (extra: object = {}) => taskSchema.parse({ kind: 'teacher-mlp', inputDim: 8, teacherWidth: 32, trainSize: 256, testSize: 4000, ...extra });

test('teacher-mlp: same (config, seed) gives identical data; another task.seed differs', () => {
  const a = createTask(cfg({ seed: 7 }), 0), b = createTask(cfg({ seed: 7 }), 0), c = createTask(cfg({ seed: 8 }), 0);
  assert.deepEqual(a.test.x, b.test.x);
  assert.deepEqual(a.test.y, b.test.y);
  assert.deepEqual(a.train!.y, b.train!.y);
  assert.deepEqual(a.batch(3, 32).y, b.batch(3, 32).y);
  assert.notDeepEqual(a.test.y, c.test.y);
  assert.notDeepEqual(a.train!.x, c.train!.x);
  assert.equal(a.inputDim, 8);
  assert.equal(a.outputDim, 1);
  assert.equal(a.classification, false);
  assert.equal(a.test.n, 4000);
  assert.equal(a.train!.n, 256);
});

test('teacher-mlp: inputs are N(0, I) and each target has unit variance (noise adds noise²)', () => {
  for (const activation of ['tanh', 'relu', 'gelu', 'linear'] as const) {
    for (const noise of [0, 0.5]) {
      const t = createTask(cfg({ teacherActivation: activation, outputDim: 2, noise, teacherDepth: 3 }), 1);
      const { n, y, x } = t.test;
      // x: mean 0 (s.e. 1/sqrt(nD) = 0.0056), variance 1 (s.e. sqrt(2/(nD)) = 0.008)
      let sx = 0, sxx = 0;
      for (const v of x) { sx += v; sxx += v * v; }
      assert.ok(Math.abs(sx / x.length) < 0.03, `mean x ${sx / x.length}`);
      assert.ok(Math.abs(sxx / x.length - 1) < 0.05, `var x ${sxx / x.length}`);
      for (let k = 0; k < 2; k++) {
        let s = 0, ss = 0;
        for (let i = 0; i < n; i++) { s += y[i * 2 + k]; ss += y[i * 2 + k] ** 2; }
        const v = ss / n - (s / n) ** 2;
        // Scale measured on 8192 other samples; sample variance of 4000 → relative s.e. about
        // sqrt(2/4000) + sqrt(2/8192) ≈ 0.04 for Gaussian-like outputs; allow 0.2 (heavier tails).
        assert.ok(Math.abs(v / (1 + noise * noise) - 1) < 0.2, `${activation} noise ${noise} output ${k}: variance ${v}`);
      }
    }
  }
});

test('teacher-mlp: the target is a fixed function of x (noise-free), the same across train and test', () => {
  const t = createTask(cfg({ testSize: 64 }), 3);
  const t2 = createTask(cfg({ testSize: 64, trainSize: 0 }), 3);
  const lin = createTask(cfg({ teacherActivation: 'linear', teacherDepth: 1, testSize: 200, trainSize: 0 }), 5);
  // y = w·x / s exactly: solve for w from the first 8 rows by least squares, check the rest.
  const { x, y } = lin.test;
  const D = 8;
  const A: number[][] = Array.from({ length: D }, () => new Array(D + 1).fill(0));
  for (let i = 0; i < 200; i++) {
    for (let a = 0; a < D; a++) {
      for (let b = 0; b < D; b++) A[a][b] += x[i * D + a] * x[i * D + b];
      A[a][D] += x[i * D + a] * y[i];
    }
  }
  const w = solve(A);
  let maxErr = 0;
  for (let i = 0; i < 200; i++) {
    let p = 0;
    for (let a = 0; a < D; a++) p += w[a] * x[i * D + a];
    maxErr = Math.max(maxErr, Math.abs(p - y[i]));
  }
  assert.ok(maxErr < 1e-4, `linear teacher residual ${maxErr}`);
  assert.deepEqual(t.test.y, t2.test.y, 'the test set does not depend on the training set size');
});

test('teacher-mlp: fixed-set batches are seeded minibatches; online batches are fresh per step', () => {
  const fixed = createTask(cfg({ trainSize: 100 }), 2);
  assert.equal(fixed.batch(0, 0), fixed.train, 'size 0 is the full set');
  assert.equal(fixed.batch(5, 100), fixed.train, 'size ≥ n is the full set');
  // Epoch shuffling: 10 batches of 10 cover all 100 rows exactly once.
  const seen = new Set<string>();
  for (let s = 0; s < 10; s++) {
    const b = fixed.batch(s, 10);
    assert.equal(b.n, 10);
    for (let i = 0; i < 10; i++) seen.add(Array.from(b.x.subarray(i * 8, i * 8 + 8)).join(','));
  }
  assert.equal(seen.size, 100);
  assert.deepEqual(fixed.batch(12, 16).x, createTask(cfg({ trainSize: 100 }), 2).batch(12, 16).x);

  const online = createTask(cfg({ trainSize: 0 }), 2);
  assert.equal(online.train, undefined);
  const b1 = online.batch(1, 16), b1again = online.batch(1, 16), b2 = online.batch(2, 16);
  assert.deepEqual(b1.x, b1again.x);
  assert.deepEqual(b1.y, b1again.y);
  assert.notDeepEqual(b1.x, b2.x);
  assert.throws(() => online.batch(0, 0), /full batch.*online/);
});

test('teacher-mlp: targets are an independently computed teacher forward pass, up to one scale per output', () => {
  // Teacher: unit-variance weights drawn layer by layer from (task.seed, 'task', 'teacher'),
  // h1 = W1·x/√D, h(l+1) = W(l+1)·φ(h(l))/√N, output W_L·φ(h(L−1))/√N; gelu(x) = x·Φ(x).
  const D = 5, N = 7, K = 2, seed = 13;
  const gelu = (v: number) => 0.5 * v * (1 + erf(v / Math.SQRT2));
  const t = createTask(cfg({ inputDim: D, outputDim: K, teacherWidth: N, teacherDepth: 3, teacherActivation: 'gelu', testSize: 50, seed }), 0);
  const rng = new Rng(seed, 'task', 'teacher');
  const draw = (rows: number, cols: number) => Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.normal()));
  const W = [draw(N, D), draw(N, N), draw(K, N)];
  const layer = (w: number[][], a: number[]) => w.map((r) => r.reduce((s, v, j) => s + v * a[j], 0) / Math.sqrt(a.length));
  const ratios: number[][] = [[], []];
  for (let i = 0; i < 50; i++) {
    const x = Array.from(t.test.x.subarray(i * D, i * D + D));
    const f = layer(W[2], layer(W[1], layer(W[0], x).map(gelu)).map(gelu));
    for (let k = 0; k < K; k++) ratios[k].push(t.test.y[i * K + k] / f[k]);
  }
  for (const r of ratios) for (const v of r) assert.ok(Math.abs(v / r[0] - 1) < 1e-4, `ratio ${v} vs ${r[0]}`);
});

test('erf (used by the gelu teacher) matches tabulated values to 2e-7', () => {
  const table: [number, number][] = [[0, 0], [0.1, 0.1124629160], [0.5, 0.5204998778], [1, 0.8427007929], [2, 0.9953222650], [3, 0.9999779095]];
  for (const [x, v] of table) {
    assert.ok(Math.abs(erf(x) - v) < 2e-7, `erf(${x})`);
    assert.ok(Math.abs(erf(-x) + v) < 2e-7, `erf(${-x})`);
  }
});

test('fixed-set minibatches across epoch boundaries: every row once per epoch', () => {
  const t = createTask(cfg({ trainSize: 100 }), 4);
  const count = new Map<number, number>();
  for (let s = 0; s < 10; s++) {
    const b = t.batch(s, 30); // 300 rows = exactly 3 epochs, batches straddle epoch ends
    for (const v of b.y) count.set(v, (count.get(v) ?? 0) + 1);
  }
  assert.equal(count.size, 100);
  for (const c of count.values()) assert.equal(c, 3);
  assert.notDeepEqual(t.batch(0, 30).y, t.batch(4, 30).y, "epochs are shuffled differently");
});

function solve(A: number[][]): number[] {
  const n = A.length;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r][c]) > Math.abs(A[p][c])) p = r;
    [A[c], A[p]] = [A[p], A[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = A[r][c] / A[c][c];
      for (let k = c; k <= n; k++) A[r][k] -= f * A[c][k];
    }
  }
  return A.map((row, i) => row[n] / row[i]);
}
