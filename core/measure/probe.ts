// The probe batch: a fixed batch chosen once per trial on which gradient norm, sharpness and the
// coord check are measured, so successive measurements differ only because the weights moved.
import * as tf from '@tensorflow/tfjs';
import type { Dataset, Task } from '../tasks/task.js';
import { takeRows } from '../tasks/dataset.js';
import { Rng } from '../rng.js';

/** Online tasks: batches at steps from here on are the trainer's fixed samples, never trained on. */
export const RESERVED_STEP = 2 ** 40;
export const PROBE_STEP = RESERVED_STEP;
export const TRAIN_SAMPLE_STEP = RESERVED_STEP + 1;

/**
 * `size` examples of the training distribution, fixed for the trial: the whole training set if it
 * is not larger, else a seeded subset of it; online tasks draw a reserved batch.
 */
export function probeDataset(task: Task, size: number, seed: number): Dataset {
  if (task.train) {
    if (task.train.n <= size) return task.train;
    const perm = new Rng(seed, 'probe').permutation(task.train.n);
    return takeRows(task.train, perm.subarray(0, size));
  }
  return task.batch(PROBE_STEP, size);
}

/** A dataset's tensors on the backend, kept for the whole trial. */
export interface DeviceBatch {
  n: number;
  x: tf.Tensor;
  y: tf.Tensor;
  /** class index per row (classification) */
  labels: tf.Tensor | null;
  /** centered models: the frozen initial network's output on x */
  f0: tf.Tensor | null;
}

export function toDevice(ds: Dataset, rows?: [number, number]): DeviceBatch {
  const [lo, hi] = rows ?? [0, ds.n];
  const n = hi - lo;
  return {
    n,
    x: tf.tensor2d(ds.x.subarray(lo * ds.inputDim, hi * ds.inputDim), [n, ds.inputDim]),
    y: tf.tensor2d(ds.y.subarray(lo * ds.outputDim, hi * ds.outputDim), [n, ds.outputDim]),
    labels: ds.labels ? tf.tensor1d(ds.labels.subarray(lo, hi), 'int32') : null,
    f0: null,
  };
}

export function disposeBatch(b: DeviceBatch): void {
  b.x.dispose();
  b.y.dispose();
  b.labels?.dispose();
  b.f0?.dispose();
}
