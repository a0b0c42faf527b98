// Training batches of a step, for online tasks (fresh samples) and fixed training sets
// (minibatches). Both are pure functions of (seed, step, size), so a trial that is retried
// or resumed on another machine sees exactly the same batches.
import { Rng } from '../rng.js';
import type { Dataset, Task } from './task.js';
import { takeRows } from './dataset.js';

/** Draws n examples from a task's distribution using the given stream. */
export type Sampler = (rng: Rng, n: number) => Dataset;

/** A task's batch function, optionally on separate streams named by `tag` (continual subtasks). */
export type BatchFn = (step: number, size: number) => Dataset;
export type Restream = (tag: string) => BatchFn;

const restreams = new WeakMap<object, Restream>();

/** Register how `task` draws batches on another stream (see batchStream). */
export function registerRestream(task: object, restream: Restream): void {
  restreams.set(task, restream);
}

/**
 * The batches of `task` drawn from streams tagged `tag` instead of its own: the same
 * distribution or training set, independent draws or shuffles. Continual subtasks use this so
 * task k does not replay task 0's samples in rotated form.
 */
export function batchStream(task: object, tag: string): BatchFn | undefined {
  return restreams.get(task)?.(tag);
}

/** The rows of `task.train` that a step's batch takes (null: the whole set); see batchRows. */
export type RowsFn = (step: number, size: number) => Int32Array | null;

const rowSources = new WeakMap<object, RowsFn>();

/** Register that `task.batch(step, size)` is exactly the rows `rows(step, size)` of `task.train`. */
export function registerBatchRows(task: object, rows: RowsFn): void {
  rowSources.set(task, rows);
}

/**
 * Which rows of its training set each batch of `task` is, when the task registered that (a
 * fixed set's minibatches); undefined otherwise. Keyed by the task object itself, so a wrapper
 * that builds a new task with other batches does not inherit it. Packed training gathers such
 * batches from the training set it already keeps on the backend instead of copying them in.
 */
export function batchRows(task: object): RowsFn | undefined {
  return rowSources.get(task);
}

/**
 * A task over the fixed training set `train`, minibatches in the order of `seed`: its batch(),
 * the rows each batch takes (batchRows) and its tagged streams (batchStream) all come from the
 * same shuffles.
 */
export function fixedSetTask(base: Omit<Task, 'batch' | 'train'>, train: Dataset, seed: number): Task {
  const batches = new FixedBatches(train, seed);
  const task: Task = { ...base, train, batch: (step, size) => batches.batch(step, size) };
  registerBatchRows(task, (step, size) => batches.rows(step, size));
  registerRestream(task, (tag) => {
    const tagged = new FixedBatches(train, seed, tag);
    return (step, size) => tagged.batch(step, size);
  });
  return task;
}

/** Online: fresh samples from the stream (seed, 'batch', [tag,] step). */
export function onlineBatch(sample: Sampler, seed: number, step: number, size: number, tag?: string): Dataset {
  checkStep(step);
  if (!Number.isInteger(size) || size < 0) throw new Error(`batch size must be a non-negative integer, got ${size}`);
  if (size === 0) {
    throw new Error('train.batchSize: 0 (full batch) needs a fixed training set, but this task is online (task.trainSize 0)');
  }
  return sample(tag === undefined ? new Rng(seed, 'batch', step) : new Rng(seed, 'batch', tag, step), size);
}

/**
 * Fixed set: epochs of a seeded shuffle (sampling without replacement), so every example is
 * seen once per epoch. The batch of a step is the slice [step·size, (step+1)·size) of the
 * concatenated epoch permutations; epoch e's permutation comes from (seed, 'batch', [tag,] 'epoch', e).
 * size 0 or size ≥ n gives the whole set (shared, not copied: callers must not modify it).
 */
export class FixedBatches {
  private readonly perms = new Map<number, Int32Array>();

  constructor(private readonly train: Dataset, private readonly seed: number, private readonly tag?: string) {}

  batch(step: number, size: number): Dataset {
    const rows = this.rows(step, size);
    return rows ? takeRows(this.train, rows) : this.train;
  }

  /** The rows of the training set that batch(step, size) takes, in order; null: the whole set. */
  rows(step: number, size: number): Int32Array | null {
    checkStep(step);
    if (!Number.isInteger(size) || size < 0) throw new Error(`batch size must be a non-negative integer, got ${size}`);
    const n = this.train.n;
    if (size === 0 || size >= n) return null;
    const rows = new Int32Array(size);
    let pos = step * size;
    for (let i = 0; i < size; i++, pos++) {
      const epoch = Math.floor(pos / n);
      rows[i] = this.permutation(epoch)[pos - epoch * n];
    }
    return rows;
  }

  private permutation(epoch: number): Int32Array {
    let p = this.perms.get(epoch);
    if (!p) {
      const rng = this.tag === undefined ? new Rng(this.seed, 'batch', 'epoch', epoch) : new Rng(this.seed, 'batch', this.tag, 'epoch', epoch);
      p = rng.permutation(this.train.n);
      // A batch spans at most two epochs and steps go forward: keep only the recent ones.
      if (this.perms.size >= 2) this.perms.delete(Math.min(...this.perms.keys()));
      this.perms.set(epoch, p);
    }
    return p;
  }
}

function checkStep(step: number): void {
  if (!Number.isInteger(step) || step < 0) throw new Error(`batch step must be a non-negative integer, got ${step}`);
}
