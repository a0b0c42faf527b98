// multi-index (P5, arXiv 2305.18270): z ~ N(0, I_d), y = g(⟨w*_1,z⟩, …, ⟨w*_r,z⟩) + noise·ε with
// random orthonormal teacher directions w*_r and g from a named menu. Targets are not
// rescaled, so their moments are the closed forms of g on independent N(0,1) projections.
import type { z } from 'zod';
import { Rng } from '../rng.js';
import { MULTI_INDEX_RANK, type MULTI_INDEX_TARGETS, type multiIndexTask } from '../config/trial.js';
import type { Task, TaskSeeds } from './task.js';
import { allocDataset } from './dataset.js';
import { sampledTask } from './sampled-task.js';
import { dot, randomOrthonormal } from './linalg.js';

export type MultiIndexConfig = Omit<z.output<typeof multiIndexTask>, 'seed'>;
export type MultiIndexTarget = (typeof MULTI_INDEX_TARGETS)[number];

interface TargetFn {
  /** number of teacher directions r */
  rank: number;
  g: (h: Float64Array) => number;
  /** closed-form mean and variance of g(h), h ~ N(0, I_r) */
  mean: number;
  variance: number;
}

export const MULTI_INDEX_FUNCTIONS: Record<MultiIndexTarget, TargetFn> = {
  // staircase: the linear part is learned first, then z1·z2 through it
  'z1+z1*z2': { rank: MULTI_INDEX_RANK['z1+z1*z2'], g: (h) => h[0] + h[0] * h[1], mean: 0, variance: 2 },
  // normalised second Hermite polynomial (z² − 1)/√2: no linear component
  'He2(z1)': { rank: MULTI_INDEX_RANK['He2(z1)'], g: (h) => (h[0] * h[0] - 1) / Math.SQRT2, mean: 0, variance: 1 },
  'z1*z2': { rank: MULTI_INDEX_RANK['z1*z2'], g: (h) => h[0] * h[1], mean: 0, variance: 1 },
  'z1+z1*z2+z1*z2*z3': { rank: MULTI_INDEX_RANK['z1+z1*z2+z1*z2*z3'], g: (h) => h[0] + h[0] * h[1] + h[0] * h[1] * h[2], mean: 0, variance: 3 },
};

export function createMultiIndexTask(config: MultiIndexConfig, seeds: TaskSeeds): Task {
  const d = config.inputDim, fn = MULTI_INDEX_FUNCTIONS[config.target], noise = config.noise;
  if (d < fn.rank) throw new Error(`task.inputDim: target ${config.target} needs at least ${fn.rank} input dimensions, got ${d}`);
  const dirs = randomOrthonormal(new Rng(seeds.task, 'task', 'teacher'), fn.rank, d);
  const h = new Float64Array(fn.rank);
  const task = sampledTask({
    kind: 'multi-index', seeds, inputDim: d, outputDim: 1,
    trainSize: config.trainSize, testSize: config.testSize,
    sample(rng, n) {
      const ds = allocDataset(n, d, 1);
      const z = new Float64Array(d);
      for (let i = 0; i < n; i++) {
        rng.fillNormal(z);
        ds.x.set(z, i * d);
        // projections of the stored float32 input, so y is exactly a function of x as given
        for (let r = 0; r < fn.rank; r++) h[r] = dot(dirs[r], ds.x, i * d);
        ds.y[i] = fn.g(h) + (noise > 0 ? noise * rng.normal() : 0);
      }
      return ds;
    },
  });
  task.teacherDirections = dirs.map((v) => Float32Array.from(v));
  return task;
}
