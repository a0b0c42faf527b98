// multi-index: orthonormal teacher directions, y a function of the projections only, moments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MULTI_INDEX_TARGETS, taskSchema } from '../../core/config/trial.js';
import { createTask } from '../../core/tasks/index.js';
import { moments } from './tasks-stats.js';

const cfg = (extra: object = {}) => taskSchema.parse({ kind: 'multi-index', ...extra });

// Closed forms of g on independent N(0,1) projections, written out independently of the module.
const reference: Record<string, { rank: number; g: (h: number[]) => number; mean: number; variance: number }> = {
  'z1+z1*z2': { rank: 2, g: ([a, b]) => a + a * b, mean: 0, variance: 2 },
  'He2(z1)': { rank: 1, g: ([a]) => (a * a - 1) / Math.sqrt(2), mean: 0, variance: 1 },
  'z1*z2': { rank: 2, g: ([a, b]) => a * b, mean: 0, variance: 1 },
  'z1+z1*z2+z1*z2*z3': { rank: 3, g: ([a, b, c]) => a + a * b + a * b * c, mean: 0, variance: 3 },
};

test('multi-index: teacher directions are orthonormal and y = g(projections) exactly', () => {
  for (const target of MULTI_INDEX_TARGETS) {
    const d = 40;
    const t = createTask(cfg({ target, inputDim: d, testSize: 300 }), 11);
    const ref = reference[target];
    const w = t.teacherDirections!;
    assert.equal(w.length, ref.rank);
    for (let a = 0; a < w.length; a++) {
      assert.equal(w[a].length, d);
      for (let b = 0; b < w.length; b++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += w[a][j] * w[b][j];
        assert.ok(Math.abs(s - (a === b ? 1 : 0)) < 1e-6, `${target}: <w${a},w${b}> = ${s}`);
      }
    }
    const { x, y } = t.test;
    for (let i = 0; i < 300; i++) {
      const h = w.map((v) => v.reduce((s, vj, j) => s + vj * x[i * d + j], 0));
      const g = ref.g(h);
      assert.ok(Math.abs(g - y[i]) < 1e-5 * (1 + Math.abs(g)), `${target} row ${i}: ${y[i]} vs ${g}`);
      // y depends on x only through the projections: moving x orthogonally to every w changes nothing.
      const e = new Float64Array(d).map((_, j) => Math.sin(j + i));
      for (const v of w) { const c = v.reduce((s, vj, j) => s + vj * e[j], 0); for (let j = 0; j < d; j++) e[j] -= c * v[j]; }
      const moved = w.map((v) => v.reduce((s, vj, j) => s + vj * (x[i * d + j] + 3 * e[j]), 0));
      assert.ok(Math.abs(ref.g(moved) - g) < 1e-4 * (1 + Math.abs(g)));
    }
  }
});

test('multi-index: target mean and variance match the closed forms (within 6 standard errors)', () => {
  for (const target of MULTI_INDEX_TARGETS) {
    for (const noise of [0, 0.5]) {
      const t = createTask(cfg({ target, inputDim: 16, noise }), 3);
      const m = moments(t.batch(0, 40000).y);
      const ref = reference[target];
      assert.ok(Math.abs(m.mean - ref.mean) < 6 * m.seMean, `${target}: mean ${m.mean} ± ${m.seMean}`);
      const v = ref.variance + noise * noise;
      assert.ok(Math.abs(m.variance - v) < 6 * m.seVariance, `${target} noise ${noise}: variance ${m.variance} ± ${m.seVariance} vs ${v}`);
    }
  }
});

test('multi-index: inputs are N(0, I_d); directions fixed per task.seed; too small d is rejected', () => {
  const t = createTask(cfg({ inputDim: 8 }), 5);
  const b = t.batch(2, 20000);
  for (let j = 0; j < 8; j++) {
    const col = new Float64Array(b.n).map((_, i) => b.x[i * 8 + j]);
    const m = moments(col);
    assert.ok(Math.abs(m.mean) < 6 * m.seMean && Math.abs(m.variance - 1) < 6 * m.seVariance, `coordinate ${j}`);
  }
  assert.deepEqual(createTask(cfg({ inputDim: 8 }), 6).teacherDirections, t.teacherDirections, 'the trial seed does not move the teacher');
  assert.notDeepEqual(createTask(cfg({ inputDim: 8, seed: 1 }), 5).teacherDirections, t.teacherDirections);
  // the schema rejects it (tasks-config.test.ts); a config built by hand is still refused
  const small = { ...cfg(), inputDim: 2, target: 'z1+z1*z2+z1*z2*z3' } as ReturnType<typeof cfg>;
  assert.throws(() => createTask(small, 1), (err: Error) => /^task\.inputDim: .* needs at least 3/.test(err.message));
});
