// The task generators of docs/science.md §2, one module per kind; the trainer calls createTask.
import type { TaskConfig } from '../config/trial.js';
import type { Task } from './task.js';
import type { DataAccess } from './file/data-roots.js';
import { createTeacherMlpTask } from './teacher-mlp.js';
import { createCirclePowerLawTask } from './circle-power-law.js';
import { createMultiIndexTask } from './multi-index.js';
import { createGaussianMixtureTask } from './gaussian-mixture.js';
import { createTeacherClassesTask } from './teacher-classes.js';
import { createFileTask } from './file/file-task.js';
import { createMnistTask } from './mnist.js';
import { createContinualTask } from './continual.js';
import { canonicalJson } from '../ids.js';
import { reseeded } from './reseed.js';

export type { Task, Dataset, TaskSeeds } from './task.js';

/**
 * The task of a resolved trial config: config.seed draws the task, the trial's `seed` its
 * batches (TaskSeeds); the same (config, seed) gives the same data anywhere.
 * `access`: the folders a `file` task may read (default: SWEEP_DATA_ROOTS only).
 */
export function createTask(config: TaskConfig, seed: number, access?: DataAccess): Task {
  // A process that runs many trials of one task (a pool worker, a pack) draws its data once.
  // Tasks that read files are built each time: the files may change between trials.
  const key = reads(config) ? null : canonicalJson(config);
  const cached = key === null ? undefined : built.get(key);
  if (cached) {
    const task = reseeded(cached, seed);
    if (task) {
      built.delete(key!);
      built.set(key!, cached);
      return task;
    }
  }
  const task = buildTask(config, seed, access);
  if (key !== null) {
    built.set(key, task);
    if (built.size > CACHED_TASKS) built.delete(built.keys().next().value!);
  }
  return task;
}

/** Tasks kept for reuse per process (most recently used); an MNIST task holds up to ~40 MB. */
const CACHED_TASKS = 4;
const built = new Map<string, Task>();

function reads(config: TaskConfig): boolean {
  return config.kind === 'file' || (config.kind === 'continual' && config.base.kind === 'file');
}

/** A task built from scratch (no reuse). */
export function buildTask(config: TaskConfig, seed: number, access?: DataAccess): Task {
  const seeds = { task: config.seed, trial: seed };
  switch (config.kind) {
    case 'teacher-mlp': return createTeacherMlpTask(config, seeds);
    case 'circle-power-law': return createCirclePowerLawTask(config, seeds);
    case 'multi-index': return createMultiIndexTask(config, seeds);
    case 'gaussian-mixture': return createGaussianMixtureTask(config, seeds);
    case 'teacher-classes': return createTeacherClassesTask(config, seeds);
    case 'file': return createFileTask(config, seeds, access);
    case 'mnist': return createMnistTask(config, seeds);
    case 'continual': return createContinualTask(config, seeds, access);
  }
}
