// A task defined by a sampler: fixed test set, optional fixed training set, batches.
import { Rng } from '../rng.js';
import type { Dataset, Task, TaskSeeds } from './task.js';
import { fixedSetTask, onlineBatch, registerRestream, type Sampler } from './batches.js';
import { registerReseed } from './reseed.js';

export interface SampledTaskSpec {
  kind: string;
  seeds: TaskSeeds;
  inputDim: number;
  outputDim: number;
  classes?: number;
  /** 0 = online */
  trainSize: number;
  testSize: number;
  sample: Sampler;
  /** a test set other than i.i.d. samples (e.g. a grid) */
  test?: Dataset;
}

/**
 * Streams: test set (task seed,'task','test'), training set (task seed,'task','train'); online
 * batches (trial seed,'batch',step) and the minibatch order of a fixed set from the trial seed.
 */
export function sampledTask(spec: SampledTaskSpec): Task {
  const { sample } = spec;
  const taskSeed = spec.seeds.task;
  const test = spec.test ?? sample(new Rng(taskSeed, 'task', 'test'), spec.testSize);
  const train = spec.trainSize > 0 ? sample(new Rng(taskSeed, 'task', 'train'), spec.trainSize) : undefined;
  return withTrialSeed(spec, test, train, spec.seeds.trial);
}

/** The task over drawn sets with batches from trial seed `seed`; rebindable to another seed. */
function withTrialSeed(spec: SampledTaskSpec, test: Dataset, train: Dataset | undefined, seed: number): Task {
  const { sample } = spec;
  const base = {
    kind: spec.kind,
    inputDim: spec.inputDim,
    outputDim: spec.outputDim,
    classification: spec.classes !== undefined,
    ...(spec.classes !== undefined ? { classes: spec.classes } : {}),
    test,
  };
  let task: Task;
  if (train) task = fixedSetTask(base, train, seed);
  else {
    task = { ...base, batch: (step, size) => onlineBatch(sample, seed, step, size) };
    registerRestream(task, (tag) => (step, size) => onlineBatch(sample, seed, step, size, tag));
  }
  registerReseed(task, (s) => withTrialSeed(spec, test, train, s));
  return task;
}
