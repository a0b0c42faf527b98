// teacher-mlp (docs/science.md §2): x ~ N(0, I_D), y = teacher(x) / s + noise·ε, regression.
// s is each output's standard deviation measured once on a fixed reference sample, so the
// targets have unit variance whatever the teacher's activation and depth, and `noise` is a
// noise-to-signal ratio.
import { Rng } from '../rng.js';
import type { z } from 'zod';
import type { teacherMlpTask } from '../config/trial.js';
import type { Task, TaskSeeds } from './task.js';
import { allocDataset } from './dataset.js';
import { sampledTask } from './sampled-task.js';
import { TeacherNetwork } from './teacher-network.js';

/** The task's keys; its seed comes in `seeds` (it is the continual task's when this is a base). */
export type TeacherMlpConfig = Omit<z.output<typeof teacherMlpTask>, 'seed'>;

/** Inputs used to measure the teacher's output scale; enough for a ~1% estimate. */
const SCALE_SAMPLES = 8192;

export function createTeacherMlpTask(config: TeacherMlpConfig, seeds: TaskSeeds): Task {
  const { inputDim: D, outputDim: K, noise } = config;
  const teacher = new TeacherNetwork(new Rng(seeds.task, 'task', 'teacher'), D, config.teacherWidth, config.teacherDepth, K,
    config.teacherActivation);
  const scale = outputStd(teacher, D, new Rng(seeds.task, 'task', 'teacher-scale'));
  const x = new Float64Array(D);
  const f = new Float64Array(K);
  return sampledTask({
    kind: 'teacher-mlp', seeds, inputDim: D, outputDim: K,
    trainSize: config.trainSize, testSize: config.testSize,
    sample(rng, n) {
      const ds = allocDataset(n, D, K);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < D; j++) ds.x[i * D + j] = x[j] = Math.fround(rng.normal()); // y from x as stored
        teacher.forward(x, f);
        for (let k = 0; k < K; k++) ds.y[i * K + k] = f[k] / scale[k] + (noise > 0 ? noise * rng.normal() : 0);
      }
      return ds;
    },
  });
}

/** Per-output std of the teacher over N(0, I) inputs (1 where the output is constant). */
function outputStd(teacher: TeacherNetwork, D: number, rng: Rng): Float64Array {
  const K = teacher.outputDim;
  const sum = new Float64Array(K), sq = new Float64Array(K);
  const x = new Float64Array(D), f = new Float64Array(K);
  for (let i = 0; i < SCALE_SAMPLES; i++) {
    rng.fillNormal(x);
    teacher.forward(x, f);
    for (let k = 0; k < K; k++) { sum[k] += f[k]; sq[k] += f[k] * f[k]; }
  }
  return sum.map((s, k) => {
    const v = sq[k] / SCALE_SAMPLES - (s / SCALE_SAMPLES) ** 2;
    return v > 1e-24 ? Math.sqrt(v) : 1;
  });
}
