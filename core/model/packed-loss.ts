// The losses of loss.ts on packed outputs [T, B, O]: the same ops per trial along the last two
// axes, sums per trial ([T]) instead of one scalar.
import * as tf from '@tensorflow/tfjs';
import type { LossKind } from './loss.js';

/** Summed loss of each trial: [T]. */
export function packedLossSum(kind: LossKind, f: tf.Tensor, y: tf.Tensor): tf.Tensor {
  if (kind === 'mse') return tf.mul(0.5, tf.sum(tf.square(tf.sub(f, y)), [1, 2]));
  return tf.sum(tf.sub(tf.logSumExp(f, 2), tf.sum(tf.mul(y, f), 2)), 1);
}

/** dL/df of each trial's batch mean loss. */
export function packedLossGrad(kind: LossKind, f: tf.Tensor, y: tf.Tensor): tf.Tensor {
  const B = f.shape[1]!;
  if (kind === 'mse') return tf.div(tf.sub(f, y), B);
  return tf.div(tf.sub(tf.softmax(f), y), B);
}

/** Summed losses ([T]) and the gradient, as lossAndGrad. */
export function packedLossAndGrad(kind: LossKind, f: tf.Tensor, y: tf.Tensor): { sum: tf.Tensor; grad: tf.Tensor } {
  const B = f.shape[1]!;
  if (kind === 'mse') {
    const d = tf.sub(f, y);
    return { sum: tf.mul(0.5, tf.sum(tf.square(d), [1, 2])), grad: tf.div(d, B) };
  }
  const lse = tf.logSumExp(f, 2, true);
  const sum = tf.sum(tf.sub(lse, tf.sum(tf.mul(y, f), 2, true)), [1, 2]);
  return { sum, grad: tf.div(tf.sub(tf.exp(tf.sub(f, lse)), y), B) };
}

/** Output curvature of each trial's batch mean loss applied to v (p = softmax(f) for xent). */
export function packedLossCurvature(kind: LossKind, v: tf.Tensor, p: tf.Tensor | null): tf.Tensor {
  const B = v.shape[1]!;
  if (kind === 'mse') return tf.div(v, B);
  const pv = tf.mul(p!, v);
  return tf.div(tf.sub(pv, tf.mul(p!, tf.sum(pv, 2, true))), B);
}
