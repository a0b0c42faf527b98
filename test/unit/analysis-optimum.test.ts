// η* refinement between grid points: a parabola in log η through the best point and its neighbours.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { refineOptimum } from '../../core/analysis/optimum.js';

const grid = (a: number, b: number, n: number) => Array.from({ length: n }, (_, i) => a * Math.pow(b / a, i / (n - 1)));

test('a loss that is exactly quadratic in log η (in log loss) gives the exact optimum', () => {
  const lrs = grid(1e-3, 10, 9); // half-decade spacing
  const star = 0.0371;
  const losses = lrs.map((lr) => Math.exp(0.3 + 0.8 * Math.log(lr / star) ** 2));
  const o = refineOptimum(lrs, losses)!;
  assert.equal(o.method, 'quadratic');
  assert.ok(Math.abs(Math.log(o.lr / star)) < 1e-9, `lr ${o.lr}`);
  assert.ok(Math.abs(o.loss - Math.exp(0.3)) < 1e-9);
  assert.ok(o.bracket[0] < star && star < o.bracket[1]);
});

test('a non-quadratic valley is refined well within the grid spacing', () => {
  const lrs = grid(1e-3, 10, 9);
  const star = 0.2;
  const losses = lrs.map((lr) => 0.1 + Math.abs(Math.log10(lr / star)) ** 1.5);
  const o = refineOptimum(lrs, losses)!;
  assert.ok(Math.abs(Math.log10(o.lr / star)) < 0.25, `refined ${o.lr}`); // grid spacing is 0.5 decades
});

test('edges, diverged neighbours and all-diverged', () => {
  const lrs = [0.01, 0.1, 1];
  assert.equal(refineOptimum(lrs, [1, 2, 3])!.method, 'grid-edge');
  assert.equal(refineOptimum(lrs, [1, 2, 3])!.lr, 0.01);
  const nextToDiverged = refineOptimum([0.01, 0.1, 1, 10], [3, 2, 1, Infinity])!;
  assert.equal(nextToDiverged.method, 'grid');
  assert.equal(nextToDiverged.lr, 1);
  assert.deepEqual(nextToDiverged.bracket, [0.1, 10]);
  assert.equal(refineOptimum(lrs, [Infinity, NaN, Infinity]), null);
  assert.equal(refineOptimum([], []), null);
});
