// What the training loop needs from an optimizer: one update, and the step size it applies to
// each parameter (for the step-scaled sharpness, whose edge-of-stability threshold is 2).
import type * as tf from '@tensorflow/tfjs';

/**
 * Step sizes for the scaled sharpness λ_max(P^½ H P^½): one scalar for every parameter, or one
 * entry per parameter tensor (a scalar for the whole tensor, or an elementwise tensor).
 */
export type Preconditioner = { uniform: number } | { perParam: (number | tf.Tensor)[] };

export interface Optimizer {
  /** New parameters after one update with these gradients; keeps its own state alive across tidies. */
  update(params: tf.Tensor[], grads: tf.Tensor[]): tf.Tensor[];
  /**
   * P such that the update is stable on a quadratic iff λ_max(P^½ H P^½) < 2 (momentum and Adam's
   * averaging folded in); null when not yet defined (Adam before its first step). Tensors in the
   * result belong to the caller (call it inside tf.tidy).
   */
  preconditioner(): Preconditioner | null;
  /**
   * When the update is exactly θ −= lr_i·g_i (SGD without momentum or weight decay), the
   * per-parameter rates, so the trainer can fold them into the gradient and subtract once.
   */
  plainRates?(): number[] | null;
  dispose(): void;
}
