// Centering is resolved once per sweep: every trial of a sweep has the same model.center unless
// the spec writes it, so a γ0 axis containing 1 does not train a different model at γ0 = 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpec } from '../../core/config/spec.js';

const spec = (model: string, grid: string, extra = '') => `name: c
task: { kind: teacher-mlp, inputDim: 4, trainSize: 64, testSize: 16 }
model: ${model}
optimizer: { kind: sgd, lr: 0.1 }
train: { steps: 10, batchSize: 16 }
grid:
${grid}
${extra}`;
const centers = (text: string) => parseSpec(text).plans.map((p) => p.config.model.center);

test('a γ0 axis containing 1 centers every trial, γ0 = 1 included', () => {
  const plans = parseSpec(spec('{ width: 8 }', '  model.gamma: [0.1, 1, 10]\n  seed: [0, 1]')).plans;
  assert.equal(plans.length, 6);
  assert.deepEqual(plans.map((p) => p.config.model.center), Array(6).fill(true));
  assert.deepEqual(plans.filter((p) => p.config.model.gamma === 1).length, 2);
});

test('a sweep whose every trial has γ0 = 1 is uncentered; one with a fixed γ0 ≠ 1 is centered', () => {
  assert.deepEqual(centers(spec('{ width: 8 }', '  seed: [0, 1]')), [false, false]);
  assert.deepEqual(centers(spec('{ width: 8, gamma: 1 }', '  model.gamma: [1]')), [false]);
  assert.deepEqual(centers(spec('{ width: 8, gamma: 3 }', '  seed: [0, 1]')), [true, true]);
});

test('whole-model axis values count their γ0; random search decides over the whole grid, not the sample', () => {
  assert.deepEqual(centers(spec('{ width: 8 }', '  model: [{ width: 8 }, { width: 8, gamma: 2 }]')), [true, true]);
  const text = spec('{ width: 8 }', '  model.gamma: [1, 1, 1, 1, 1, 1, 1, 1, 1, 0.5]\n  seed: [0, 1, 2, 3, 4]', 'search: { kind: random, samples: 3, seed: 1 }');
  const plans = parseSpec(text).plans;
  assert.equal(plans.length, 3);
  assert.ok(plans.every((p) => p.config.model.center === true));
});

test('an explicit model.center is kept, in the base or as an axis', () => {
  assert.deepEqual(centers(spec('{ width: 8, center: false }', '  model.gamma: [0.1, 1]')), [false, false]);
  assert.deepEqual(centers(spec('{ width: 8 }', '  model.gamma: [0.5, 1]\n  model.center: [false, true]')), [false, true, false, true]);
  assert.deepEqual(centers(spec('{ width: 8 }', '  model: [{ width: 8, center: false }, { width: 8, gamma: 2 }]')), [false, true]);
});

test('the lr searches derive new trials with the sweep\'s center', async () => {
  const { withLr } = await import('../../core/search/plan-groups.js');
  const plans = parseSpec(spec('{ width: 8 }', '  model.gamma: [0.5, 1]\n  optimizer.lr: [0.01, 0.1]', 'search: { kind: lr-refine }')).plans;
  const atOne = plans.find((p) => p.config.model.gamma === 1)!;
  const derived = withLr(atOne, 'optimizer.lr', 0.03);
  assert.equal(derived.config.model.center, true);
  assert.notEqual(derived.id, atOne.id);
});
