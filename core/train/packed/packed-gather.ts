// A pack's minibatches gathered on the backend from its trials' training sets, uploaded once:
// per step only each trial's row numbers cross from JavaScript, instead of trials × batch ×
// (input + output) floats copied row by row and then into the backend. Trials whose tasks share
// one training set (the same data, other seeds) share one copy, so the rows are gathered from a
// set that stays in cache. The rows are the ones the task's own batch() takes, so a batch holds
// the same floats as stacking the tasks' batches: packs stay equal to solo trials bit for bit.
import * as tf from '@tensorflow/tfjs';
import { batchRows, type RowsFn } from '../../tasks/batches.js';
import type { Dataset, Task } from '../../tasks/task.js';
import type { PackedBatch } from './packed-data.js';

/** Largest upload of distinct training sets (x and y, float32) gathered from: 256 MB. */
const MAX_FLOATS = 1 << 26;

export class PackedRowBatches {
  private constructor(
    /** every distinct training set's x and y, stacked: [sets · n, in], [sets · n, out] */
    private readonly x: tf.Tensor2D,
    private readonly y: tf.Tensor2D,
    /** per trial: the first row of its set in x and y, and its batches' rows */
    private readonly offset: readonly number[],
    private readonly rows: readonly RowsFn[],
    /** the pack's batch size */
    private readonly size: number,
  ) {}

  /**
   * The gatherer of `tasks` (a pack's, in trial order) for batches of `size` rows, when every
   * task's batches are rows of its training set, smaller than the set (a full batch stays on the
   * backend as it is), and the distinct sets fit MAX_FLOATS; null otherwise (batches are copied in).
   */
  static of(tasks: readonly Task[], size: number): PackedRowBatches | null {
    const fns = tasks.map((t) => (t.train ? batchRows(t) : undefined));
    // whether a batch is the whole set depends on its size only: step 0 tells for every step
    if (fns.some((f) => f === undefined || f(0, size) === null)) return null;
    const sets: Dataset[] = [];
    const index = new Map<Dataset, number>();
    const which = tasks.map((t) => {
      let i = index.get(t.train!);
      if (i === undefined) index.set(t.train!, (i = sets.push(t.train!) - 1));
      return i;
    });
    const { n, inputDim: D, outputDim: O } = sets[0];
    if (sets.some((s) => s.n !== n || s.inputDim !== D || s.outputDim !== O)) return null;
    if (sets.length * n * (D + O) > MAX_FLOATS) return null;
    const x = new Float32Array(sets.length * n * D), y = new Float32Array(sets.length * n * O);
    sets.forEach((s, i) => {
      x.set(s.x.subarray(0, n * D), i * n * D);
      y.set(s.y.subarray(0, n * O), i * n * O);
    });
    return new PackedRowBatches(tf.tensor2d(x, [sets.length * n, D]), tf.tensor2d(y, [sets.length * n, O]), which.map((i) => i * n), fns as RowsFn[], size);
  }

  /** The batch of `step` for the pack's trials `live` (indices into the tasks), x and y only; the caller disposes it. */
  batch(live: readonly number[], step: number): PackedBatch {
    const { size } = this;
    const T = live.length;
    const idx = new Int32Array(T * size);
    for (let k = 0; k < T; k++) {
      const rows = this.rows[live[k]](step, size)!;
      const at = this.offset[live[k]];
      for (let i = 0; i < size; i++) idx[k * size + i] = at + rows[i];
    }
    const [x, y] = tf.tidy(() => {
      const at = tf.tensor1d(idx, 'int32');
      const take = (t: tf.Tensor2D) => tf.reshape(tf.gather(t, at), [T, size, t.shape[1]]);
      return [take(this.x), take(this.y)];
    });
    return { n: size, x, y, labels: null, f0: null };
  }

  dispose(): void {
    this.x.dispose();
    this.y.dispose();
  }
}
