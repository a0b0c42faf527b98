// Grid axes, point order, zip groups, duplicates and random search.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpec } from '../../core/config/spec.js';
import { linspace, logspace, pow2, round12 } from '../../core/grid/axes.js';
import { gridPoint, parseGrid } from '../../core/grid/grid.js';
import { randomOrder } from '../../core/grid/random.js';
import { getPath, setPath } from '../../core/grid/paths.js';

const BASE = `name: g
task: { kind: teacher-mlp, inputDim: 8, trainSize: 64, testSize: 32 }
model: { width: 16, depth: 2 }
optimizer: { kind: sgd, lr: 0.1 }
train: { steps: 10, batchSize: 16 }
`;
const withGrid = (grid: string, extra = '') => `${BASE}${extra}grid:\n${grid.trim().split('\n').map((l) => `  ${l}`).join('\n')}\n`;

test('logspace: endpoints exact, interior points 10^(k/3) to 12 digits, decades equal typed literals', () => {
  const v = logspace(0.001, 10, 13);
  assert.equal(v.length, 13);
  for (let i = 0; i < 13; i++) {
    const exact = 10 ** (-3 + i / 3);
    assert.ok(Math.abs(v[i] - exact) / exact < 1e-11, `point ${i}: ${v[i]} vs ${exact}`);
  }
  // the decades come out as the very numbers a user would type
  assert.deepEqual([v[0], v[3], v[6], v[9], v[12]], [0.001, 0.01, 0.1, 1, 10]);
  assert.deepEqual(logspace(0.01, 1, 3), [0.01, 0.1, 1]);
  assert.deepEqual(logspace(5, 5, 1), [5]);
  // descending is allowed and keeps the written order
  assert.deepEqual(logspace(1, 0.01, 3), [1, 0.1, 0.01]);
});

test('linspace: evenly spaced, rounding makes 0.1 steps exact literals', () => {
  assert.deepEqual(linspace(0, 1, 11), [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
  assert.deepEqual(linspace(1, 20, 20), Array.from({ length: 20 }, (_, i) => i + 1));
  assert.deepEqual(linspace(3, 3, 1), [3]);
  assert.equal(round12(0.1 + 0.2), 0.3);
  assert.equal(round12(1 / 3), 0.333333333333);
});

test('pow2: powers of two between from and to inclusive', () => {
  assert.deepEqual(pow2(64, 1024), [64, 128, 256, 512, 1024]);
  assert.deepEqual(pow2(100, 1000), [128, 256, 512]);
  assert.deepEqual(pow2(0.25, 1), [0.25, 0.5, 1]);
  assert.deepEqual(pow2(1, 1), [1]);
  assert.deepEqual(pow2(1023, 1025), [1024]);
  assert.deepEqual(pow2(3, 3), []);
});

test('grid points: axes in written order, the first slowest', () => {
  const problems: string[] = [];
  const grid = parseGrid({ a: [1, 2], b: ['x', 'y', 'z'] }, problems);
  assert.deepEqual(problems, []);
  assert.equal(grid.size, 6);
  const pts = Array.from({ length: 6 }, (_, i) => gridPoint(grid, i));
  assert.deepEqual(pts.map((p) => `${p.a}${p.b}`), ['1x', '1y', '1z', '2x', '2y', '2z']);
});

test('zip groups advance together at their written position', () => {
  const problems: string[] = [];
  const grid = parseGrid({ a: [1, 2], zip: [{ b: ['x', 'y', 'z'], c: [10, 20, 30] }], d: [true, false] }, problems);
  assert.deepEqual(problems, []);
  assert.equal(grid.size, 2 * 3 * 2);
  const pts = Array.from({ length: grid.size }, (_, i) => gridPoint(grid, i));
  assert.deepEqual(pts.slice(0, 4), [
    { a: 1, b: 'x', c: 10, d: true },
    { a: 1, b: 'x', c: 10, d: false },
    { a: 1, b: 'y', c: 20, d: true },
    { a: 1, b: 'y', c: 20, d: false },
  ]);
  for (const p of pts) assert.equal(['x', 'y', 'z'].indexOf(p.b as string), [10, 20, 30].indexOf(p.c as number));
});

test('an empty grid is the base config alone', () => {
  const r = parseSpec(BASE);
  assert.equal(r.plans.length, 1);
  assert.deepEqual(r.plans[0].axes, {});
  assert.equal(r.spec.grid.size, 1);
});

test('expansion: counts, order and axis values of logspace × pow2 × seeds', () => {
  const r = parseSpec(withGrid('model.width: { pow2: [16, 64] }\noptimizer.lr: { logspace: [0.01, 1, 5] }\nseed: [0, 1]'));
  assert.equal(r.plans.length, 3 * 5 * 2);
  assert.deepEqual(r.plans.slice(0, 3).map((p) => p.axes), [
    { 'model.width': 16, 'optimizer.lr': 0.01, seed: 0 },
    { 'model.width': 16, 'optimizer.lr': 0.01, seed: 1 },
    { 'model.width': 16, 'optimizer.lr': 0.0316227766017, seed: 0 },
  ]);
  const last = r.plans[r.plans.length - 1];
  assert.deepEqual(last.axes, { 'model.width': 64, 'optimizer.lr': 1, seed: 1 });
  assert.equal(last.config.model.width, 64);
  assert.equal(last.config.optimizer.lr, 1);
  assert.equal(last.config.seed, 1);
  // defaults are applied to every resolved trial
  assert.equal(last.config.model.parametrization, 'mup');
  assert.equal(new Set(r.plans.map((p) => p.id)).size, r.plans.length);
});

test('expansion with a zip group: depth and steps paired', () => {
  const r = parseSpec(withGrid('model.width: [16, 32]\nzip:\n  - model.depth: [2, 3, 4]\n    train.steps: [10, 20, 30]'));
  assert.equal(r.plans.length, 6);
  assert.deepEqual(r.plans.map((p) => [p.config.model.width, p.config.model.depth, p.config.train.steps]), [
    [16, 2, 10], [16, 3, 20], [16, 4, 30], [32, 2, 10], [32, 3, 20], [32, 4, 30],
  ]);
});

test('whole-section axes: each value is a complete section', () => {
  const r = parseSpec(withGrid('optimizer:\n  - { kind: sgd, lr: 0.1 }\n  - { kind: adam, lr: 0.001 }'));
  assert.deepEqual(r.plans.map((p) => p.config.optimizer.kind), ['sgd', 'adam']);
});

test('grid points resolving to the same config collapse into one trial', () => {
  // 16 is both the base width and a grid value; 1e-1 and 0.1 are one number; the explicit
  // default parametrization equals the omitted one
  const r = parseSpec(withGrid('optimizer.lr: [0.1, 1e-1, 0.2]\nmodel.parametrization: [mup]\nseed: [0, 0, 1]'));
  assert.equal(r.plans.length, 4);
  assert.equal(r.duplicates, 9 - 4);
  assert.deepEqual(r.plans.map((p) => [p.config.optimizer.lr, p.config.seed]), [[0.1, 0], [0.1, 1], [0.2, 0], [0.2, 1]]);
});

test('random search: the requested number of distinct grid points, reproducible from the seed', () => {
  const grid = 'model.width: { pow2: [8, 256] }\noptimizer.lr: { logspace: [0.001, 10, 13] }\nseed: [0, 1, 2]';
  const full = parseSpec(withGrid(grid));
  assert.equal(full.plans.length, 6 * 13 * 3);
  const a = parseSpec(withGrid(grid, 'search: { kind: random, samples: 40, seed: 7 }\n'));
  const b = parseSpec(withGrid(grid, 'search: { kind: random, samples: 40, seed: 7 }\n'));
  const c = parseSpec(withGrid(grid, 'search: { kind: random, samples: 40, seed: 8 }\n'));
  assert.equal(a.plans.length, 40);
  assert.deepEqual(a.plans.map((p) => p.id), b.plans.map((p) => p.id));
  assert.notDeepEqual(a.plans.map((p) => p.id), c.plans.map((p) => p.id));
  assert.equal(new Set(a.plans.map((p) => p.id)).size, 40);
  const all = new Set(full.plans.map((p) => p.id));
  for (const p of a.plans) assert.ok(all.has(p.id), 'sampled trial is a grid point');
  // asking for more than the grid holds gives the whole grid, in random order
  const d = parseSpec(withGrid('seed: [0, 1, 2, 3, 4]', 'search: { kind: random, samples: 50 }\n'));
  assert.deepEqual(d.plans.map((p) => p.config.seed).sort(), [0, 1, 2, 3, 4]);
});

test('randomOrder is a permutation, uniform enough, and lazy on huge grids', () => {
  const order = [...randomOrder(1000, 3)];
  assert.deepEqual([...order].sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
  // position of index 0 over many seeds: roughly uniform over 10 bins (chi-square, 9 dof, p≈0.001 at 27.9)
  const bins = new Array(10).fill(0);
  for (let s = 0; s < 2000; s++) bins[Math.floor([...randomOrder(10, s)].indexOf(0))]++;
  const chi2 = bins.reduce((acc, o) => acc + (o - 200) ** 2 / 200, 0);
  assert.ok(chi2 < 27.9, `chi2 ${chi2} bins ${bins}`);
  // a 10^12-point grid: drawing 1000 points touches only those
  const it = randomOrder(1e12, 1);
  const seen = new Set<number>();
  for (let i = 0; i < 1000; i++) seen.add(it.next().value as number);
  assert.equal(seen.size, 1000);
  for (const v of seen) assert.ok(Number.isInteger(v) && v >= 0 && v < 1e12);
});

test('random search over a grid far larger than the trial limit', () => {
  const grid = 'optimizer.lr: { logspace: [1e-4, 10, 1000] }\nmodel.width: { linspace: [1, 1000, 1000] }\nseed: { linspace: [0, 999, 1000] }';
  const r = parseSpec(withGrid(grid, 'search: { kind: random, samples: 25 }\n'));
  assert.equal(r.spec.grid.size, 1e9);
  assert.equal(r.plans.length, 25);
});

test('setPath copies only along the path', () => {
  const base = { model: { width: 1, depth: 2 }, task: { kind: 'x' } };
  const next = setPath(base, 'model.width', 5);
  assert.equal(getPath(next, 'model.width'), 5);
  assert.equal(base.model.width, 1);
  assert.equal(next.task, base.task);
  assert.deepEqual(setPath({}, 'measure.sharpness.every', 3), { measure: { sharpness: { every: 3 } } });
});

test('a grid path under an optional section creates it', () => {
  const r = parseSpec(withGrid('measure.sharpness.every: [5, 10]'));
  assert.deepEqual(r.plans.map((p) => p.config.measure.sharpness?.every), [5, 10]);
  assert.equal(r.plans[0].config.measure.sharpness?.iterations, 20);
});
