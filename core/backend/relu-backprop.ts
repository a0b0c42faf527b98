// The backward pass through a ReLU, dy·step(x), as one kernel where the backend has one. tfjs's
// Step on the native backend is eight TensorFlow ops with two full-size temporaries
// (tfjs-node kernels/Step.js), about 1 ms on a 128×512 tensor; TensorFlow's own ReluGrad does the
// product in one pass. The result is the same float for every finite x: dy·1 or dy·0. Where x is
// NaN, step gives NaN and ReluGrad 0; a NaN pre-activation already makes that step's loss NaN,
// so the trial is diverged either way.
import * as tf from '@tensorflow/tfjs';
import { NATIVE_BACKEND } from './native.js';

export const RELU_BACKPROP = 'SweepReluBackprop';

/** The part of tfjs-node's backend used here (the package ships no typings we can use). */
interface NativeKernelBackend {
  binding: { TF_ATTR_TYPE: number; TF_FLOAT: number };
  executeSingleOutput(name: string, attrs: { name: string; type: number; value: number }[], inputs: tf.TensorInfo[]): tf.TensorInfo;
}

function register(): void {
  if (tf.getKernel(RELU_BACKPROP, NATIVE_BACKEND)) return;
  tf.registerKernel({
    kernelName: RELU_BACKPROP,
    backendName: NATIVE_BACKEND,
    kernelFunc: ({ inputs, backend }) => {
      const { dy, x } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
      const be = backend as unknown as NativeKernelBackend;
      if (dy.dtype !== 'float32' || x.dtype !== 'float32') throw new Error(`${RELU_BACKPROP}: float32 only, got ${dy.dtype} and ${x.dtype}`);
      return be.executeSingleOutput('ReluGrad', [{ name: 'T', type: be.binding.TF_ATTR_TYPE, value: be.binding.TF_FLOAT }], [dy, x]);
    },
  });
}

register();

/** dy·step(x) for tensors of the same shape: one native op on tfjs-node, tf.step and tf.mul elsewhere. */
export function reluBackprop(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  if (tf.getBackend() === NATIVE_BACKEND && dy.dtype === 'float32' && x.dtype === 'float32' && tf.util.arraysEqual(dy.shape, x.shape)) {
    return tf.engine().runKernel(RELU_BACKPROP, { dy, x }, {}) as tf.Tensor;
  }
  return tf.mul(dy, tf.step(x, 0));
}
