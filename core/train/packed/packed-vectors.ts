// Linear algebra on packed directions in parameter space (each tensor [T, ...]): the operations
// of measure/vectors.ts per trial, with per-trial scalars read back as one array.
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../rng.js';
import { mulTrials } from '../../model/packed-mlp.js';

export type PackedVec = tf.Tensor[];

/** Per-trial sums over all but the trial axis, as dot() sums each tensor then adds them. */
function dotTensor(a: PackedVec, b: PackedVec): tf.Tensor {
  return tf.addN(a.map((t, i) => tf.sum(tf.mul(t, b[i]), t.shape.slice(1).map((_, k) => k + 1))));
}

/** ⟨a_t, b_t⟩ for each pair and trial: out[pair][trial], one read-back. */
export function dots(pairs: readonly [PackedVec, PackedVec][]): number[][] {
  const s = tf.tidy(() => tf.stack(pairs.map(([a, b]) => dotTensor(a, b))));
  const v = s.dataSync();
  const T = s.shape[1]!;
  s.dispose();
  return pairs.map((_, p) => Array.from(v.subarray(p * T, (p + 1) * T)));
}

/** ‖a_t‖ per trial (Math.sqrt of the float32 dot product, as norm()). */
export function norms(a: PackedVec): number[] {
  return dots([[a, a]])[0].map(Math.sqrt);
}

function trialScalar(s: readonly number[]): tf.Tensor {
  return tf.tensor1d(Float32Array.from(s));
}

export function scaleEach(a: PackedVec, s: readonly number[]): PackedVec {
  const f = trialScalar(s);
  return a.map((t) => mulTrials(t, f));
}

/** a + s_t·b */
export function axpyEach(a: PackedVec, s: readonly number[], b: PackedVec): PackedVec {
  const f = trialScalar(s);
  return a.map((t, i) => tf.add(t, mulTrials(b[i], f)));
}

/** Trial t's slice from `a` where take[t], else from `b`. */
export function select(take: readonly boolean[], a: PackedVec, b: PackedVec): PackedVec {
  return a.map((t, i) => tf.where(tf.tensor(Uint8Array.from(take.map(Number)), [take.length, ...Array<number>(t.rank - 1).fill(1)], 'bool'), t, b[i]));
}

export function mulEach(a: PackedVec, factors: readonly tf.Tensor[]): PackedVec {
  return a.map((t, i) => tf.mul(t, factors[i]));
}

export function disposeVec(a: PackedVec | null | undefined): void {
  if (a) for (const t of a) t.dispose();
}

export function gatherVec(a: PackedVec, keep: readonly number[]): PackedVec {
  return tf.tidy(() => {
    const idx = tf.tensor1d(Int32Array.from(keep), 'int32');
    return a.map((t) => tf.gather(t, idx, 0));
  });
}

/**
 * randomUnit() for the trials in `want`, each from its own stream (draws in the same order as
 * one trial's: parameter by parameter); the other trials' slices are taken from `base`.
 */
export function randomUnitEach(shapes: readonly number[][], rngs: readonly Rng[], want: readonly boolean[], base: PackedVec | null): PackedVec {
  const T = want.length;
  const values = shapes.map((s) => new Float32Array(s.reduce((a, b) => a * b, 1)).fill(1));
  for (let t = 0; t < T; t++) {
    if (!want[t]) continue;
    shapes.forEach((_, i) => {
      const size = values[i].length / T;
      const slice = values[i].subarray(t * size, (t + 1) * size);
      for (let k = 0; k < size; k++) slice[k] = rngs[t].normal();
    });
  }
  return tf.tidy(() => {
    const raw = values.map((v, i) => tf.tensor(v, shapes[i]));
    const n = norms(raw);
    const out = scaleEach(raw, n.map((x, t) => (want[t] ? 1 / x : 1)));
    return base ? select(want, out, base) : out;
  });
}
