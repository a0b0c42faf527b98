// A task defined by a sampler: fixed test set, optional fixed training set, batches.
import { Rng } from '../rng.js';
import type { Dataset, Task, TaskSeeds } from './task.js';
import { FixedBatches, onlineBatch, registerBatchRows, registerRestream, type Sampler } from './batches.js';
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
  const task: Task = {
    kind: spec.kind,
    inputDim: spec.inputDim,
    outputDim: spec.outputDim,
    classification: spec.classes !== undefined,
    test,
    batch: (step, size) => onlineBatch(sample, seed, step, size),
  };
  registerRestream(task, (tag) => (step, size) => onlineBatch(sample, seed, step, size, tag));
  if (spec.classes !== undefined) task.classes = spec.classes;
  if (train) {
    const batches = new FixedBatches(train, seed);
    task.train = train;
    task.batch = (step, size) => batches.batch(step, size);
    registerBatchRows(task, (step, size) => batches.rows(step, size));
    registerRestream(task, (tag) => {
      const tagged = new FixedBatches(train, seed, tag);
      return (step, size) => tagged.batch(step, size);
    });
  }
  registerReseed(task, (s) => withTrialSeed(spec, test, train, s));
  return task;
}
