// gaussian-mixture: C equally likely classes; class c has mean μ_c, a uniformly random
// direction times `separation` (in units of the noise std, which is 1), and isotropic N(0, I)
// noise. y is one-hot.
import type { z } from 'zod';
import { Rng } from '../rng.js';
import type { gaussianMixtureTask } from '../config/trial.js';
import type { Task, TaskSeeds } from './task.js';
import { allocDataset, fillOneHot } from './dataset.js';
import { sampledTask } from './sampled-task.js';
import { dot } from './linalg.js';

export type GaussianMixtureConfig = Omit<z.output<typeof gaussianMixtureTask>, 'seed'>;

/** The class means μ_c (C × D, row-major) of a task, from (task seed, 'task', 'teacher'). */
export function mixtureMeans(config: GaussianMixtureConfig, taskSeed: number): Float64Array {
  const { inputDim: D, classes: C, separation } = config;
  const rng = new Rng(taskSeed, 'task', 'teacher');
  const means = new Float64Array(C * D);
  for (let c = 0; c < C; c++) {
    const v = rng.fillNormal(new Float64Array(D)) as Float64Array;
    const norm = Math.sqrt(dot(v, v));
    for (let j = 0; j < D; j++) means[c * D + j] = (v[j] / norm) * separation;
  }
  return means;
}

export function createGaussianMixtureTask(config: GaussianMixtureConfig, seeds: TaskSeeds): Task {
  const { inputDim: D, classes: C } = config;
  const means = mixtureMeans(config, seeds.task);
  return sampledTask({
    kind: 'gaussian-mixture', seeds, inputDim: D, outputDim: C, classes: C,
    trainSize: config.trainSize, testSize: config.testSize,
    sample(rng, n) {
      const ds = allocDataset(n, D, C, true);
      for (let i = 0; i < n; i++) {
        const c = rng.int(C);
        ds.labels![i] = c;
        for (let j = 0; j < D; j++) ds.x[i * D + j] = means[c * D + j] + rng.normal();
      }
      fillOneHot(ds);
      return ds;
    },
  });
}
