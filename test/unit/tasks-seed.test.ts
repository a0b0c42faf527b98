// task.seed against the trial seed, for every task kind: task.seed draws what defines the task
// (teacher, fixed sets, class means, rotation planes), the trial seed only the batches and the
// online stream, so a seed axis averages over one task's SGD noise and initialisations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { taskSchema } from '../../core/config/trial.js';
import { createTask } from '../../core/tasks/index.js';

const kinds: Record<string, object> = {
  'teacher-mlp': { kind: 'teacher-mlp', inputDim: 6, trainSize: 200, testSize: 50 },
  'circle-power-law': { kind: 'circle-power-law', harmonics: 8, trainSize: 200, testSize: 50 },
  'multi-index': { kind: 'multi-index', inputDim: 6, trainSize: 200, testSize: 50 },
  'gaussian-mixture': { kind: 'gaussian-mixture', inputDim: 6, trainSize: 200, testSize: 50 },
  'teacher-classes': { kind: 'teacher-classes', inputDim: 6, trainSize: 200, testSize: 50 },
  mnist: { kind: 'mnist', trainSize: 200, testSize: 50 },
  continual: { kind: 'continual', tasks: 2, base: { kind: 'teacher-mlp', inputDim: 6, trainSize: 200, testSize: 50 } },
};

for (const [kind, raw] of Object.entries(kinds)) {
  test(`${kind}: another trial seed keeps the task and changes the batches; another task.seed changes the task`, () => {
    const config = taskSchema.parse(raw);
    assert.equal(config.seed, 0, 'task.seed defaults to 0');
    const a = createTask(config, 0), b = createTask(config, 1), c = createTask({ ...config, seed: 1 }, 0);
    const last = (t: typeof a) => t.sequence?.[t.sequence.length - 1] ?? t;
    assert.deepEqual(b.train!.x, a.train!.x);
    assert.deepEqual(b.train!.y, a.train!.y);
    assert.deepEqual(b.test, a.test);
    assert.deepEqual(last(b).test, last(a).test);
    assert.notDeepEqual(b.batch(0, 16).x, a.batch(0, 16).x, 'the trial seed orders the minibatches');
    assert.notDeepEqual(c.train!.x, a.train!.x, 'task.seed draws the training set');
    if (kind !== 'circle-power-law') assert.notDeepEqual(c.test, a.test, 'task.seed draws the test set'); // circle: a fixed θ grid
    if (kind === 'continual') assert.notDeepEqual(last(c).test.x, last(a).test.x, 'task.seed draws the rotation planes');
  });
}

test('online tasks: the fresh samples come from the trial seed, the teacher from task.seed', () => {
  const config = taskSchema.parse({ kind: 'teacher-mlp', inputDim: 6, trainSize: 0, testSize: 50 });
  const a = createTask(config, 0), b = createTask(config, 1), c = createTask({ ...config, seed: 1 }, 0);
  assert.deepEqual(b.test, a.test);
  assert.notDeepEqual(b.batch(0, 16).x, a.batch(0, 16).x);
  // same stream, another teacher: same inputs, other targets
  assert.deepEqual(c.batch(0, 16).x, a.batch(0, 16).x);
  assert.notDeepEqual(c.batch(0, 16).y, a.batch(0, 16).y);
});

test('task.seed is part of the config: seed 0 is the default, other seeds are other configs', () => {
  for (const raw of Object.values(kinds)) {
    assert.equal(taskSchema.safeParse({ ...raw, seed: -1 }).success, false);
    assert.equal(taskSchema.safeParse({ ...raw, seed: 1.5 }).success, false);
    assert.equal(taskSchema.parse({ ...raw, seed: 3 }).seed, 3);
  }
  assert.equal(taskSchema.safeParse({ kind: 'continual', base: { kind: 'teacher-mlp', seed: 1 } }).success, false,
    'the base of a continual task is drawn by the continual task\'s seed');
});

test('grid axes address task.seed; trials of different task seeds have different ids', async () => {
  const { parseSpec } = await import('../../core/config/spec.js');
  const text = (task: string, grid: string) => `name: s
task: ${task}
model: { width: 8, depth: 2 }
optimizer: { kind: sgd, lr: 0.1 }
train: { steps: 10, batchSize: 16 }
grid:
  ${grid}
`;
  const plans = parseSpec(text('{ kind: teacher-mlp, inputDim: 4, trainSize: 64 }', 'task.seed: [0, 1, 2]\n  seed: [0, 1]')).plans;
  assert.equal(new Set(plans.map((p) => p.id)).size, 6);
  assert.deepEqual(plans.map((p) => p.config.task.seed), [0, 0, 1, 1, 2, 2]);
  const continual = '{ kind: continual, tasks: 2, base: { kind: teacher-mlp, inputDim: 4, trainSize: 64 } }';
  assert.equal(parseSpec(text(continual, 'task.seed: [0, 1]')).plans.length, 2);
  assert.throws(() => parseSpec(text(continual, 'task.base.seed: [0, 1]')), (err: Error) => /grid\.task\.base\.seed: not a trial config key/.test(err.message));
});
