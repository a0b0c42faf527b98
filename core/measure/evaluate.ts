// Loss and accuracy of the model over a whole dataset (test set, fixed training set), in chunks
// whose tensors stay on the backend for the whole trial, together with the frozen initial
// network's output when the model is centered.
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../tasks/task.js';
import { lossSum, type LossKind } from '../model/loss.js';
import type { Mlp, Params } from '../model/mlp.js';
import { disposeBatch, toDevice, type DeviceBatch } from './probe.js';

const CHUNK_ROWS = 4096;

export interface Evaluation {
  loss: number;
  accuracy?: number;
}

export class DeviceDataset {
  readonly chunks: DeviceBatch[] = [];
  readonly n: number;

  /** `params0` (centered models) fixes f_init on these rows once. */
  constructor(ds: Dataset, mlp: Mlp, params0: Params | null, chunkRows = CHUNK_ROWS) {
    this.n = ds.n;
    for (let lo = 0; lo < ds.n; lo += chunkRows) {
      const b = toDevice(ds, [lo, Math.min(ds.n, lo + chunkRows)]);
      if (mlp.centered && params0) b.f0 = tf.tidy(() => mlp.apply(params0, b.x));
      this.chunks.push(b);
    }
  }

  dispose(): void {
    for (const c of this.chunks) disposeBatch(c);
  }
}

/** Model output on a device batch (centered when the batch carries f_init). */
export function outputOn(mlp: Mlp, params: Params, b: DeviceBatch): tf.Tensor {
  const f = mlp.apply(params, b.x);
  return b.f0 ? tf.sub(f, b.f0) : f;
}

/** Mean loss (the trainer's convention, core/model/loss.ts) and accuracy when labelled. */
export function evaluate(mlp: Mlp, params: Params, data: DeviceDataset, loss: LossKind): Evaluation {
  const sums = tf.tidy(() => {
    const parts = data.chunks.map((b) => {
      const f = outputOn(mlp, params, b);
      const l = lossSum(loss, f, b.y);
      const c = b.labels ? tf.sum(tf.cast(tf.equal(tf.argMax(f, 1), b.labels), 'float32')) : tf.scalar(0);
      return tf.stack([l, c]);
    });
    return tf.addN(parts);
  });
  const [l, c] = sums.dataSync();
  sums.dispose();
  const out: Evaluation = { loss: l / data.n };
  if (data.chunks[0]?.labels) out.accuracy = c / data.n;
  return out;
}
