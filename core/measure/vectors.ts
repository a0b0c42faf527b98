// Linear algebra on parameter-shaped lists of tensors (directions in parameter space).
import * as tf from '@tensorflow/tfjs';

export type Vec = tf.Tensor[];

export function dot(a: Vec, b: Vec): number {
  const s = tf.tidy(() => tf.addN(a.map((t, i) => tf.sum(tf.mul(t, b[i])))));
  const v = s.dataSync()[0];
  s.dispose();
  return v;
}

export function norm(a: Vec): number {
  return Math.sqrt(dot(a, a));
}

export function scale(a: Vec, s: number): Vec {
  return a.map((t) => tf.mul(t, s));
}

/** a + s·b */
export function axpy(a: Vec, s: number, b: Vec): Vec {
  return a.map((t, i) => tf.add(t, tf.mul(b[i], s)));
}

/** Elementwise product with per-tensor factors (numbers or broadcastable tensors). */
export function mulEach(a: Vec, factors: (number | tf.Tensor)[]): Vec {
  return a.map((t, i) => tf.mul(t, factors[i]));
}

export function dispose(a: Vec | null | undefined): void {
  if (a) for (const t of a) t.dispose();
}

/** Random unit direction from a seeded stream, shaped like `like`. */
export function randomUnit(like: Vec, normal: () => number): Vec {
  const raw = like.map((t) => {
    const values = new Float32Array(t.size);
    for (let i = 0; i < values.length; i++) values[i] = normal();
    return tf.tensor(values, t.shape);
  });
  const n = norm(raw);
  const out = scale(raw, 1 / n);
  dispose(raw);
  return out;
}
