// Packed minibatches gathered on the native backend from the uploaded training sets hold the
// same floats as the tasks' own batches stacked (what the pack copied in before), for any subset
// of live trials, tasks with different training sets, and across an epoch boundary; tasks whose
// batches are not rows of a fixed set (online, full batch, a wrapper with other batches) are not
// gathered.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTask } from '../../core/tasks/index.js';
import { taskSchema } from '../../core/config/trial.js';
import type { Task } from '../../core/tasks/task.js';
import { PackedRowBatches } from '../../core/train/packed/packed-gather.js';
import { disposePacked, stackDatasets } from '../../core/train/packed/packed-data.js';
import { useBackend } from './trainer-fixtures.js';

before(async () => {
  await useBackend({ name: 'tfjs-node', threads: 1, step: 'eager' });
});

const teacher = (taskSeed: number, trainSize = 40) =>
  taskSchema.parse({ kind: 'teacher-mlp', inputDim: 5, outputDim: 2, trainSize, testSize: 8, seed: taskSeed });

test('gathered batches equal the stacked batches of the tasks, bit for bit, for every live subset and across epochs', () => {
  // two training sets (task seeds 3 and 4), four trials of their own batch order
  const tasks: Task[] = [createTask(teacher(3), 1), createTask(teacher(4), 2), createTask(teacher(3), 5), createTask(teacher(4), 7)];
  assert.notDeepEqual(tasks[0].train!.x, tasks[1].train!.x, 'the fixture has two different training sets');
  const g: PackedRowBatches | null = PackedRowBatches.of(tasks, 16);
  assert.ok(g, 'fixed-set tasks are gathered');
  for (const live of [[0, 1, 2, 3], [1, 3], [2]]) {
    // batch 16 of 40 rows: step 2 spans the end of epoch 0 and the start of epoch 1
    for (const step of [0, 1, 2, 7]) {
      const got = g.batch(live, step);
      const want = stackDatasets(live.map((i) => tasks[i].batch(step, 16)));
      assert.deepEqual(got.x.shape, want.x.shape);
      assert.deepEqual(got.x.dataSync(), want.x.dataSync(), `x, trials ${live}, step ${step}`);
      assert.deepEqual(got.y.dataSync(), want.y.dataSync(), `y, trials ${live}, step ${step}`);
      assert.equal(got.n, 16);
      disposePacked(got);
      disposePacked(want);
    }
  }
  g.dispose();
  assert.equal(PackedRowBatches.of(tasks, 0), null, 'full batch (size 0) is not gathered');
  assert.equal(PackedRowBatches.of(tasks, 40), null, 'a batch of the whole set is not gathered');
});

test('online tasks, and a task object whose batches are not its own rows, are not gathered', () => {
  const online = createTask(taskSchema.parse({ kind: 'teacher-mlp', inputDim: 5, trainSize: 0, testSize: 8 }), 1);
  assert.equal(PackedRowBatches.of([online], 4), null);
  const fixed = createTask(teacher(3), 1);
  // a new task object with other batches does not inherit the registration
  const wrapped: Task = { ...fixed, batch: (step, size) => fixed.batch(step + 1, size) };
  assert.equal(PackedRowBatches.of([fixed, wrapped], 4), null);
});
