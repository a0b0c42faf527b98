// Matrix products with a transposed operand. The stock wasm kernel runs only the plain product
// A·B through XNNPACK; with transposeA/transposeB it falls back to a scalar loop about 10× slower
// (tfjs-backend-wasm batch_mat_mul_impl.cc). There an explicit transpose of the smaller operand
// followed by a plain product is much faster. Our own wasm kernel (core/backend/wasm-gemm.ts)
// and native backends (tfjs-node) take the flags directly. The fused forms at the end fold a
// layer's multiplier and its ReLU into the product's epilogue on wasm (one pass instead of two
// or three) and round exactly as the separate ops do.
import * as tf from '@tensorflow/tfjs';
import { FUSED_MATMUL, fusedMatMulReady, wasmGemm, type FusedMatMulAttrs } from '../backend/wasm-gemm.js';
import { reluBackprop } from '../backend/relu-backprop.js';

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

/** Our wasm kernel with its fused epilogue, when it runs this backend's products. */
function fusedWasm(): boolean {
  return fusedMatMulReady();
}

function fused(a: tf.Tensor, b: tf.Tensor, attrs: FusedMatMulAttrs, mask?: tf.Tensor): tf.Tensor | tf.Tensor[] {
  const inputs: tf.NamedTensorMap = mask ? { a, b, mask } : { a, b };
  return tf.engine().runKernel(FUSED_MATMUL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor | tf.Tensor[];
}

const plain = { transposeA: false, transposeB: false, relu: false };

/** alpha·(A·B): on wasm one kernel, elsewhere the product then a multiply (the same floats). */
export function scaledMatMul(a: tf.Tensor, b: tf.Tensor, alpha: number): tf.Tensor {
  if (fusedWasm() && a.rank === 2 && b.rank === 2) return fused(a, b, { ...plain, alpha }) as tf.Tensor;
  const p = tf.matMul(a, b);
  return alpha === 1 ? p : tf.mul(p, alpha);
}

/** h = alpha·(A·B) and relu(h), both kept (the backward pass needs h): one wasm kernel. */
export function scaledMatMulRelu(a: tf.Tensor, b: tf.Tensor, alpha: number): { h: tf.Tensor; z: tf.Tensor } {
  if (fusedWasm() && a.rank === 2 && b.rank === 2) {
    const [h, z] = fused(a, b, { ...plain, alpha, relu: true }) as tf.Tensor[];
    return { h, z };
  }
  const h = scaledMatMul(a, b, alpha);
  return { h, z: tf.relu(h) };
}

/**
 * (G·Wᵀ)·step(h): back through a layer and its ReLU. One kernel on wasm (the step applied in the
 * product's epilogue) and one TensorFlow ReluGrad after the product on the native backend.
 */
export function matMulTBReluBackprop(g: tf.Tensor, w: tf.Tensor, h: tf.Tensor): tf.Tensor {
  if (fusedWasm() && g.shape[1] !== 1) return fused(g, w, { ...plain, transposeB: true, alpha: 1 }, h) as tf.Tensor;
  return reluBackprop(matMulTB(g, w), h);
}

/** alpha·(Aᵀ·B): one wasm kernel, elsewhere matMulTA then a multiply (the same floats). */
export function scaledMatMulTA(a: tf.Tensor, b: tf.Tensor, alpha: number): tf.Tensor {
  if (fusedWasm() && a.shape[0] !== 1) return fused(a, b, { ...plain, transposeA: true, alpha }) as tf.Tensor;
  const p = matMulTA(a, b);
  return alpha === 1 ? p : tf.mul(p, alpha);
}
