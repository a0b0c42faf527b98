// createTask reuses a task's data for another trial seed (core/tasks/reseed.ts): the reused task
// must be indistinguishable from one built from scratch for that seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { taskSchema } from '../../core/config/trial.js';
import { buildTask, createTask } from '../../core/tasks/index.js';
import type { Dataset, Task } from '../../core/tasks/task.js';

const configs = [
  { kind: 'teacher-mlp', inputDim: 8, trainSize: 256, testSize: 64, teacherWidth: 16 },
  { kind: 'teacher-mlp', inputDim: 8, trainSize: 0, testSize: 64, teacherWidth: 16, noise: 0.1 },
  { kind: 'circle-power-law', harmonics: 16, testSize: 32 },
  { kind: 'multi-index', inputDim: 8, testSize: 32 },
  { kind: 'gaussian-mixture', inputDim: 8, trainSize: 128, testSize: 32 },
  { kind: 'teacher-classes', inputDim: 8, trainSize: 128, testSize: 32, teacherWidth: 8 },
  { kind: 'mnist', classes: [3, 7], trainSize: 200, testSize: 50 },
  { kind: 'continual', base: { kind: 'gaussian-mixture', inputDim: 8, trainSize: 128, testSize: 32 }, tasks: 2 },
].map((c) => taskSchema.parse(c));

function sameData(a: Dataset, b: Dataset, what: string): void {
  assert.equal(a.n, b.n, what);
  assert.deepEqual(Array.from(a.x), Array.from(b.x), `${what}: x`);
  assert.deepEqual(Array.from(a.y), Array.from(b.y), `${what}: y`);
}

function sameTask(a: Task, b: Task, kind: string): void {
  sameData(a.test, b.test, `${kind} test set`);
  assert.equal(a.train === undefined, b.train === undefined);
  if (a.train && b.train) sameData(a.train, b.train, `${kind} training set`);
  for (const step of [0, 1, 7, 40]) sameData(a.batch(step, 16), b.batch(step, 16), `${kind} batch of step ${step}`);
  assert.deepEqual(a.theory, b.theory, `${kind} theory`);
  assert.deepEqual(a.teacherDirections?.map((d) => Array.from(d)), b.teacherDirections?.map((d) => Array.from(d)), `${kind} directions`);
  assert.equal(a.sequence?.length, b.sequence?.length);
  a.sequence?.forEach((t, i) => sameTask(t, b.sequence![i], `${kind} sequence[${i}]`));
}

test('a task reused for another trial seed equals the task built from scratch for that seed', () => {
  for (const config of configs) {
    createTask(config, 1); // the first build, kept for reuse
    for (const seed of [2, 1, 5]) sameTask(createTask(config, seed), buildTask(config, seed), config.kind);
  }
});

test('trial seeds draw different batches of one task, and task seeds different tasks', () => {
  const config = configs[0];
  const [a, b] = [createTask(config, 1), createTask(config, 2)];
  assert.strictEqual(a.test, b.test, 'the data is shared, not copied');
  assert.notDeepEqual(Array.from(a.batch(0, 16).x), Array.from(b.batch(0, 16).x));
  const other = createTask(taskSchema.parse({ ...config, seed: 3 }), 1);
  assert.notDeepEqual(Array.from(other.test.x), Array.from(a.test.x));
});
