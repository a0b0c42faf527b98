// gaussian-mixture and teacher-classes: class frequencies, class means, one-hot targets, teacher labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { taskSchema } from '../../core/config/trial.js';
import { createTask } from '../../core/tasks/index.js';
import { mixtureMeans, type GaussianMixtureConfig } from '../../core/tasks/gaussian-mixture.js';
import { classTeacher, type TeacherClassesConfig } from '../../core/tasks/teacher-classes.js';
import type { Dataset } from '../../core/tasks/task.js';
import { moments } from './tasks-stats.js';

function assertOneHot(ds: Dataset, C: number): void {
  for (let i = 0; i < ds.n; i++) {
    for (let c = 0; c < C; c++) assert.equal(ds.y[i * C + c], c === ds.labels![i] ? 1 : 0);
  }
}

test('gaussian-mixture: equal class frequencies, class means at distance `separation`, unit isotropic noise', () => {
  const config = taskSchema.parse({ kind: 'gaussian-mixture', inputDim: 8, classes: 4, separation: 3, trainSize: 40000, testSize: 100, seed: 12 }) as GaussianMixtureConfig & { seed: number };
  const t = createTask(config, 3);
  assert.equal(t.classification, true);
  assert.equal(t.classes, 4);
  assert.equal(t.outputDim, 4);
  const ds = t.train!, D = 8, C = 4;
  assertOneHot(ds, C);
  assertOneHot(t.test, C);
  const mu = mixtureMeans(config, 12);
  for (let c = 0; c < C; c++) {
    let norm = 0;
    for (let j = 0; j < D; j++) norm += mu[c * D + j] ** 2;
    assert.ok(Math.abs(Math.sqrt(norm) - 3) < 1e-12);
  }
  const count = new Array(C).fill(0);
  for (const l of ds.labels!) count[l]++;
  for (let c = 0; c < C; c++) {
    const p = count[c] / ds.n, se = Math.sqrt(0.25 * 0.75 / ds.n);
    assert.ok(Math.abs(p - 0.25) < 6 * se, `class ${c} frequency ${p}`);
    for (let j = 0; j < D; j++) {
      const col: number[] = [];
      for (let i = 0; i < ds.n; i++) if (ds.labels![i] === c) col.push(ds.x[i * D + j] - mu[c * D + j]);
      const m = moments(col);
      assert.ok(Math.abs(m.mean) < 6 * m.seMean, `class ${c} coord ${j}: mean offset ${m.mean}`);
      assert.ok(Math.abs(m.variance - 1) < 6 * m.seVariance, `class ${c} coord ${j}: noise variance ${m.variance}`);
    }
  }
  // the means differ between task seeds and are the same for the same task seed
  assert.deepEqual(mixtureMeans(config, 12), mu);
  assert.notDeepEqual(mixtureMeans(config, 13), mu);
});

test('teacher-classes: labels are the argmax of the teacher outputs; every class occurs', () => {
  const config = taskSchema.parse({ kind: 'teacher-classes', inputDim: 10, classes: 5, teacherWidth: 16, trainSize: 3000, testSize: 2000, seed: 21 }) as TeacherClassesConfig & { seed: number };
  const t = createTask(config, 4);
  assert.equal(t.classes, 5);
  const teacher = classTeacher(config, 21);
  for (const ds of [t.train!, t.test, t.batch(4, 64)]) {
    assertOneHot(ds, 5);
    const f = new Float64Array(5);
    for (let i = 0; i < ds.n; i++) {
      teacher.forward(ds.x.subarray(i * 10, i * 10 + 10), f);
      const best = f.indexOf(Math.max(...f));
      assert.equal(ds.labels![i], best);
    }
  }
  const count = new Array(5).fill(0);
  for (const l of t.test.labels!) count[l]++;
  assert.ok(count.every((c) => c > 0), `class counts ${count}`);
  assert.deepEqual(createTask(config, 4).test.labels, t.test.labels);
  assert.notDeepEqual(createTask({ ...config, seed: 22 }, 4).test.labels, t.test.labels);
});
