// Matrix products with a transposed operand. The stock wasm kernel runs only the plain product
// A·B through XNNPACK; with transposeA/transposeB it falls back to a scalar loop about 10× slower
// (tfjs-backend-wasm batch_mat_mul_impl.cc). There an explicit transpose of the smaller operand
// followed by a plain product is much faster. Our own wasm kernel (core/backend/wasm-gemm.ts)
// and native backends (tfjs-node) take the flags directly.
import * as tf from '@tensorflow/tfjs';
import { wasmGemm } from '../backend/wasm-gemm.js';

const size = (t: tf.Tensor) => t.size;

function explicitTransposes(): boolean {
  return tf.getBackend() === 'wasm' && !wasmGemm();
}

/** Aᵀ·B */
export function matMulTA(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  // inner dimension 1: an outer product, cheaper as a broadcast multiply on any backend
  if (a.shape[0] === 1) return tf.mul(tf.reshape(a, [a.shape[1]!, 1]), b);
  if (!explicitTransposes()) return tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, true, false);
  return tf.matMul(tf.transpose(a), b);
}

/**
 * A·Bᵀ, either as A·(Bᵀ) or as (B·Aᵀ)ᵀ, whichever moves fewer elements (transposes plus the
 * packing of the right operand, both proportional to size).
 */
export function matMulTB(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  // inner dimension 1 (e.g. back through a single-output layer): an outer product
  if (a.shape[1] === 1) return tf.mul(a, tf.reshape(b, [1, b.shape[0]]));
  if (!explicitTransposes()) return tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, false, true);
  const [m, n] = [a.shape[0], b.shape[0]];
  const direct = 2 * size(b);
  const swapped = 2 * size(a) + m * n;
  return swapped < direct ? tf.transpose(tf.matMul(b, tf.transpose(a))) : tf.matMul(a, tf.transpose(b));
}
