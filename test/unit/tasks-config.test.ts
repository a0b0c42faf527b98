// Cross-field checks of task configs, made at parse time with the field named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trialConfigSchema, taskSchema } from '../../core/config/trial.js';
import { formatIssues } from '../../core/config/errors.js';

const problems = (input: unknown) => {
  const r = trialConfigSchema.safeParse(input);
  return r.success ? [] : formatIssues(r.error.issues);
};
const sgd = { kind: 'sgd', lr: 0.1 };

test('continual: train.steps must equal tasks × stepsPerTask when stepsPerTask is given', () => {
  const task = { kind: 'continual', base: { kind: 'teacher-mlp' }, tasks: 4, stepsPerTask: 50 };
  assert.deepEqual(problems({ task, optimizer: sgd, train: { steps: 200 } }), []);
  assert.deepEqual(problems({ task, optimizer: sgd, train: { steps: 150 } }),
    ['train.steps: must equal task.tasks × task.stepsPerTask = 4 × 50 = 200, got 150']);
  assert.deepEqual(problems({ task: { ...task, stepsPerTask: undefined }, optimizer: sgd, train: { steps: 160 } }), []);
  assert.deepEqual(problems({ task: { ...task, stepsPerTask: undefined }, optimizer: sgd, train: { steps: 150 } }),
    ['train.steps: must be a multiple of task.tasks (4) so every task trains equally long, got 150']);
});

test('full batch needs a fixed training set', () => {
  assert.deepEqual(problems({ task: { kind: 'circle-power-law' }, optimizer: sgd, train: { batchSize: 0 } }),
    ['train.batchSize: 0 (full batch) needs a fixed training set, but the circle-power-law task is online (trainSize 0)']);
  assert.deepEqual(problems({ task: { kind: 'circle-power-law', trainSize: 64 }, optimizer: sgd, train: { batchSize: 0 } }), []);
  assert.match(problems({ task: { kind: 'continual', base: { kind: 'multi-index' } }, optimizer: sgd, train: { batchSize: 0 } })[0],
    /^train\.batchSize: .*multi-index task is online/);
  assert.deepEqual(problems({ task: { kind: 'multi-index' }, model: { depth: 2 }, optimizer: sgd, train: { batchSize: 0 }, giantStep: { alpha: 2 } }), [],
    'giant-step mode draws its own batches');
  assert.deepEqual(problems({ task: { kind: 'multi-index' }, optimizer: sgd, giantStep: { alpha: 2 } }),
    ['model.depth: giantStep trains the first layer of a two-layer network: depth must be 2, got 3']);
});

test('multi-index: inputDim must cover the target rank', () => {
  assert.deepEqual(problems({ task: { kind: 'multi-index', inputDim: 2, target: 'z1+z1*z2+z1*z2*z3' }, optimizer: sgd }),
    ['task.inputDim: target z1+z1*z2+z1*z2*z3 needs at least 3 input dimensions, got 2']);
  assert.equal(taskSchema.safeParse({ kind: 'multi-index', inputDim: 1, target: 'He2(z1)' }).success, true);
  assert.equal(taskSchema.safeParse({ kind: 'continual', base: { kind: 'multi-index', inputDim: 1, target: 'z1*z2' } }).success, false);
});

test('a minibatch as large as the training set is refused: full batch is written 0', () => {
  const task = { kind: 'teacher-mlp', trainSize: 100 };
  assert.deepEqual(problems({ task, optimizer: sgd, train: { batchSize: 99 } }), []);
  assert.deepEqual(problems({ task, optimizer: sgd, train: { batchSize: 0 } }), []);
  for (const batchSize of [100, 128]) {
    assert.deepEqual(problems({ task, optimizer: sgd, train: { batchSize } }),
      [`train.batchSize: ${batchSize} is not smaller than task.trainSize 100, so every step would use the whole training set; write 0 for full batch`]);
  }
  assert.deepEqual(problems({ task: { kind: 'continual', base: { kind: 'gaussian-mixture', trainSize: 64 } }, optimizer: sgd, train: { steps: 50, batchSize: 64 } }),
    ['train.batchSize: 64 is not smaller than task.base.trainSize 64, so every step would use the whole training set; write 0 for full batch']);
  assert.deepEqual(problems({ task: { kind: 'mnist', trainSize: 500, testSize: 100 }, optimizer: sgd, train: { batchSize: 500 } }).length, 1);
  assert.deepEqual(problems({ task: { kind: 'circle-power-law' }, optimizer: sgd, train: { batchSize: 100000 } }), [], 'online tasks have no set to exhaust');
});

test('a giant step of n = α·d above a fixed training set is refused, naming both', () => {
  const gs = (task: object, alpha: number) => problems({ task, model: { depth: 2 }, optimizer: sgd, giantStep: { alpha } });
  const task = { kind: 'multi-index', inputDim: 32, trainSize: 100 };
  assert.deepEqual(gs(task, 3), []);
  assert.deepEqual(gs(task, 4),
    ['giantStep.alpha: 4 asks for n = α·d = 128 samples per giant step (d = 32), more than task.trainSize 100; use trainSize 0 (fresh samples) or at least 128']);
  assert.deepEqual(gs({ ...task, trainSize: 0 }, 64), [], 'online: every step draws fresh samples');
  assert.match(gs({ kind: 'mnist', trainSize: 1000, testSize: 100 }, 2)[0], /^giantStep\.alpha: 2 asks for n = α·d = 1568 samples .*\(d = 784\), more than task\.trainSize 1000/);
});
