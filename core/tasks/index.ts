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

export type { Task, Dataset, TaskSeeds } from './task.js';

/**
 * The task of a resolved trial config: config.seed draws the task, the trial's `seed` its
 * batches (TaskSeeds); the same (config, seed) gives the same data anywhere.
 * `access`: the folders a `file` task may read (default: SWEEP_DATA_ROOTS only).
 */
export function createTask(config: TaskConfig, seed: number, access?: DataAccess): Task {
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
