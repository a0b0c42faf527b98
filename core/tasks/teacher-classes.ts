// teacher-classes: x ~ N(0, I_D), label = argmax of a random two-layer tanh teacher's C
// outputs; y is one-hot. The class boundaries are nonlinear, unlike the Gaussian mixture.
import type { z } from 'zod';
import { Rng } from '../rng.js';
import type { teacherClassesTask } from '../config/trial.js';
import type { Task, TaskSeeds } from './task.js';
import { allocDataset, fillOneHot } from './dataset.js';
import { sampledTask } from './sampled-task.js';
import { TeacherNetwork } from './teacher-network.js';

export type TeacherClassesConfig = Omit<z.output<typeof teacherClassesTask>, 'seed'>;

/** Teacher depth (weight layers) and activation: one hidden layer keeps the boundaries smooth. */
export const CLASS_TEACHER_DEPTH = 2;
export const CLASS_TEACHER_ACTIVATION = 'tanh' as const;

export function classTeacher(config: TeacherClassesConfig, taskSeed: number): TeacherNetwork {
  return new TeacherNetwork(new Rng(taskSeed, 'task', 'teacher'), config.inputDim, config.teacherWidth,
    CLASS_TEACHER_DEPTH, config.classes, CLASS_TEACHER_ACTIVATION);
}

export function createTeacherClassesTask(config: TeacherClassesConfig, seeds: TaskSeeds): Task {
  const { inputDim: D, classes: C } = config;
  const teacher = classTeacher(config, seeds.task);
  const x = new Float64Array(D), f = new Float64Array(C);
  return sampledTask({
    kind: 'teacher-classes', seeds, inputDim: D, outputDim: C, classes: C,
    trainSize: config.trainSize, testSize: config.testSize,
    sample(rng, n) {
      const ds = allocDataset(n, D, C, true);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < D; j++) ds.x[i * D + j] = x[j] = Math.fround(rng.normal()); // y from x as stored
        teacher.forward(x, f);
        let best = 0;
        for (let c = 1; c < C; c++) if (f[c] > f[best]) best = c;
        ds.labels![i] = best;
      }
      fillOneHot(ds);
      return ds;
    },
  });
}
