// Each trial's own data stacked along the trial axis: batches [T, n, D], the fixed training
// sample, test set and probe batch as packed device datasets, and their evaluation (the loss and
// accuracy of evaluate.ts per trial).
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../../tasks/task.js';
import type { LossKind } from '../../model/loss.js';
import type { PackedMlp, PackedParams } from '../../model/packed-mlp.js';
import { packedLossSum } from '../../model/packed-loss.js';
import type { Evaluation } from '../../measure/evaluate.js';

const CHUNK_ROWS = 4096;
/**
 * Floats in the largest hidden activation of one forward slice ([T, rows, width]): about 16 MB.
 * A whole chunk of a wide pack (64 trials x 4,096 rows x width 64 is 67 MB per layer) runs from
 * main memory; slices keep the activations near the cache (width-64 packs of 64 trials: about
 * 8-10% faster sweeps). The loss is still summed over the whole chunk, as evaluate() sums a solo
 * trial's; a row's output does not depend on the other rows, so eager packs still equal solo
 * trials bit for bit (checked by the equivalence tests with a test set of two slices).
 */
const SLICE_FLOATS = 1 << 22;

export interface PackedBatch {
  n: number;
  x: tf.Tensor;
  y: tf.Tensor;
  labels: tf.Tensor | null;
  /** centered models: each trial's frozen initial network's output on its x */
  f0: tf.Tensor | null;
}

/** Rows [lo, hi) of every trial's dataset (all of one shape) as one packed batch. */
export function stackDatasets(dss: readonly Dataset[], rows?: [number, number]): PackedBatch {
  const T = dss.length;
  const { inputDim: D, outputDim: O } = dss[0];
  const [lo, hi] = rows ?? [0, dss[0].n];
  const n = hi - lo;
  const x = new Float32Array(T * n * D);
  const y = new Float32Array(T * n * O);
  const labels = dss[0].labels ? new Int32Array(T * n) : null;
  dss.forEach((ds, t) => {
    x.set(ds.x.subarray(lo * D, hi * D), t * n * D);
    y.set(ds.y.subarray(lo * O, hi * O), t * n * O);
    if (labels) labels.set(ds.labels!.subarray(lo, hi), t * n);
  });
  return {
    n,
    x: tf.tensor3d(x, [T, n, D]),
    y: tf.tensor3d(y, [T, n, O]),
    labels: labels ? tf.tensor2d(labels, [T, n], 'int32') : null,
    f0: null,
  };
}

export function disposePacked(b: PackedBatch): void {
  b.x.dispose();
  b.y.dispose();
  b.labels?.dispose();
  b.f0?.dispose();
}

/** The batch of trials `keep` only; the old batch is disposed. */
export function subsetBatch(b: PackedBatch, keep: readonly number[]): PackedBatch {
  const idx = tf.tensor1d(Int32Array.from(keep), 'int32');
  const g = (t: tf.Tensor | null) => (t ? tf.gather(t, idx, 0) : null);
  const next = { n: b.n, x: g(b.x)!, y: g(b.y)!, labels: g(b.labels), f0: g(b.f0) };
  idx.dispose();
  disposePacked(b);
  return next;
}

/** A whole dataset per trial (test set, fixed training sample) in chunks kept on the backend. */
export class PackedDeviceDataset {
  chunks: PackedBatch[] = [];
  readonly n: number;

  constructor(dss: readonly Dataset[], model: PackedMlp, params0: PackedParams | null, chunkRows = CHUNK_ROWS) {
    this.n = dss[0].n;
    for (let lo = 0; lo < this.n; lo += chunkRows) {
      const b = stackDatasets(dss, [lo, Math.min(this.n, lo + chunkRows)]);
      if (model.centered && params0) b.f0 = tf.tidy(() => model.frozenOutput(params0, b.x));
      this.chunks.push(b);
    }
  }

  subset(keep: readonly number[]): void {
    this.chunks = this.chunks.map((c) => subsetBatch(c, keep));
  }

  dispose(): void {
    for (const c of this.chunks) disposePacked(c);
  }
}

export function packedOutputOn(model: PackedMlp, params: PackedParams, b: PackedBatch): tf.Tensor {
  const f = sliced(model, params, b.x, b.n);
  return b.f0 ? tf.sub(f, b.f0) : f;
}

/** Rows of one forward slice: a power of two, at most the chunk and at least 64. */
export function sliceRows(trials: number, widest: number): number {
  const rows = Math.max(64, 2 ** Math.floor(Math.log2(Math.max(1, SLICE_FLOATS / (trials * widest)))));
  return Math.min(rows, CHUNK_ROWS);
}

/** model.apply over x's rows in slices (each row's output does not depend on the others). */
function sliced(model: PackedMlp, params: PackedParams, x: tf.Tensor, n: number): tf.Tensor {
  const widest = Math.max(...model.specs.map((s) => s.shape[s.shape.length - 1]));
  const rows = sliceRows(model.trials, widest);
  if (n <= rows) return model.apply(params, x);
  return tf.tidy(() => {
    const parts: tf.Tensor[] = [];
    for (let lo = 0; lo < n; lo += rows) {
      const size = Math.min(rows, n - lo);
      parts.push(model.apply(params, tf.slice(x, [0, lo, 0], [-1, size, -1])));
    }
    return tf.concat(parts, 1);
  });
}

/** Each trial's mean loss and accuracy over a packed dataset, as evaluate() computes them. */
export function packedEvaluate(model: PackedMlp, params: PackedParams, data: PackedDeviceDataset, loss: LossKind): Evaluation[] {
  const sums = tf.tidy(() => {
    const parts = data.chunks.map((b) => {
      const f = packedOutputOn(model, params, b);
      const l = packedLossSum(loss, f, b.y);
      const c = b.labels ? tf.sum(tf.cast(tf.equal(tf.argMax(f, 2), b.labels), 'float32'), 1) : tf.zerosLike(l);
      return tf.stack([l, c], 1);
    });
    return tf.addN(parts);
  });
  const v = sums.dataSync();
  sums.dispose();
  const labelled = data.chunks[0]?.labels !== null && data.chunks[0]?.labels !== undefined;
  const out: Evaluation[] = [];
  for (let t = 0; t < v.length / 2; t++) {
    const e: Evaluation = { loss: v[2 * t] / data.n };
    if (labelled) e.accuracy = v[2 * t + 1] / data.n;
    out.push(e);
  }
  return out;
}
