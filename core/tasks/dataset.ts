// Small helpers for building and slicing row-major datasets (core/tasks/task.ts).
import type { Dataset } from './task.js';

export function allocDataset(n: number, inputDim: number, outputDim: number, classification = false): Dataset {
  const ds: Dataset = {
    n, inputDim, outputDim,
    x: new Float32Array(n * inputDim),
    y: new Float32Array(n * outputDim),
  };
  if (classification) ds.labels = new Int32Array(n);
  return ds;
}

/** The rows `rows` of `ds`, copied, in that order. */
export function takeRows(ds: Dataset, rows: ArrayLike<number>): Dataset {
  const out = allocDataset(rows.length, ds.inputDim, ds.outputDim, ds.labels !== undefined);
  const { inputDim: d, outputDim: k } = ds;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    out.x.set(ds.x.subarray(r * d, (r + 1) * d), i * d);
    out.y.set(ds.y.subarray(r * k, (r + 1) * k), i * k);
    if (out.labels) out.labels[i] = ds.labels![r];
  }
  return out;
}

/** Fill y with the one-hot encoding of labels (y must be zeroed, n × classes). */
export function fillOneHot(ds: Dataset): void {
  const labels = ds.labels!;
  for (let i = 0; i < ds.n; i++) ds.y[i * ds.outputDim + labels[i]] = 1;
}
