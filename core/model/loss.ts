// Losses with their gradient and curvature in the output, for the hand-written backward pass and
// the exact Hessian-vector product.
//   mse:  L = (1/B) Σ_i ½‖f_i − y_i‖²   (half the squared error, summed over outputs, mean over
//         the batch; its Hessian in f is I/B, so for a linear model GD is stable iff η·λ_max < 2)
//   xent: L = (1/B) Σ_i [logsumexp(f_i) − ⟨y_i, f_i⟩]   (softmax cross-entropy, y one-hot)
import * as tf from '@tensorflow/tfjs';

export type LossKind = 'mse' | 'xent';

/** Summed (not averaged) loss over the rows of f: scalar. Averaging happens in the callers. */
export function lossSum(kind: LossKind, f: tf.Tensor, y: tf.Tensor): tf.Scalar {
  if (kind === 'mse') return tf.mul(0.5, tf.sum(tf.square(tf.sub(f, y))));
  return tf.sum(tf.sub(tf.logSumExp(f, 1), tf.sum(tf.mul(y, f), 1)));
}

/** dL/df for the batch mean loss. */
export function lossGrad(kind: LossKind, f: tf.Tensor, y: tf.Tensor): tf.Tensor {
  const B = f.shape[0];
  if (kind === 'mse') return tf.div(tf.sub(f, y), B);
  return tf.div(tf.sub(tf.softmax(f), y), B);
}

/** Summed loss and dL/df of the batch mean loss, sharing their intermediate results. */
export function lossAndGrad(kind: LossKind, f: tf.Tensor, y: tf.Tensor): { sum: tf.Tensor; grad: tf.Tensor } {
  const B = f.shape[0];
  if (kind === 'mse') {
    const d = tf.sub(f, y);
    return { sum: tf.mul(0.5, tf.sum(tf.square(d))), grad: tf.div(d, B) };
  }
  const lse = tf.logSumExp(f, 1, true);
  const sum = tf.sum(tf.sub(lse, tf.sum(tf.mul(y, f), 1, true)));
  return { sum, grad: tf.div(tf.sub(tf.exp(tf.sub(f, lse)), y), B) };
}

/**
 * Curvature of the batch mean loss in the output: v ↦ (∂²L/∂f²)·v. For xent `p` is softmax(f);
 * the Hessian of each row is (diag(p) − p·pᵀ)/B.
 */
export function lossCurvature(kind: LossKind, v: tf.Tensor, p: tf.Tensor | null): tf.Tensor {
  const B = v.shape[0];
  if (kind === 'mse') return tf.div(v, B);
  const pv = tf.mul(p!, v);
  return tf.div(tf.sub(pv, tf.mul(p!, tf.sum(pv, 1, true))), B);
}
