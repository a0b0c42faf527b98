// Activations with the first and second derivatives the hand-written backward pass and the
// exact Hessian-vector product need. GELU is the exact form x·Φ(x) (Φ the normal CDF).
import * as tf from '@tensorflow/tfjs';
import type { Activation } from '../config/trial.js';

const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

export function activate(kind: Activation, h: tf.Tensor): tf.Tensor {
  switch (kind) {
    case 'relu': return tf.relu(h);
    case 'tanh': return tf.tanh(h);
    case 'gelu': return tf.mul(h, normalCdf(h));
    case 'linear': return h;
  }
}

/** φ'(h); z = φ(h) is passed so tanh reuses it. */
export function derivative(kind: Activation, h: tf.Tensor, z: tf.Tensor): tf.Tensor {
  switch (kind) {
    case 'relu': return tf.step(h, 0);
    case 'tanh': return tf.sub(1, tf.square(z));
    case 'gelu': return tf.add(normalCdf(h), tf.mul(h, normalPdf(h)));
    case 'linear': return tf.onesLike(h);
  }
}

/** φ''(h), or null where it is zero almost everywhere (relu, linear). */
export function secondDerivative(kind: Activation, h: tf.Tensor, z: tf.Tensor): tf.Tensor | null {
  switch (kind) {
    case 'relu':
    case 'linear':
      return null;
    case 'tanh': return tf.mul(-2, tf.mul(z, tf.sub(1, tf.square(z))));
    case 'gelu': return tf.mul(normalPdf(h), tf.sub(2, tf.square(h)));
  }
}

function normalCdf(h: tf.Tensor): tf.Tensor {
  return tf.mul(0.5, tf.add(1, tf.erf(tf.mul(h, INV_SQRT2))));
}

function normalPdf(h: tf.Tensor): tf.Tensor {
  return tf.mul(INV_SQRT_2PI, tf.exp(tf.mul(-0.5, tf.square(h))));
}
