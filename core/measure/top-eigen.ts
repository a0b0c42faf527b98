// Top (algebraically largest) eigenvalue of a symmetric linear operator on parameter space, by
// power iteration or Lanczos, warm-started from a previous eigenvector. The operator is only
// available as a function (a Hessian-vector product), so memory stays O(parameters).
import * as tf from '@tensorflow/tfjs';
import { symmetricEigen } from './symmetric-eigen.js';
import { axpy, dispose, dot, norm, scale, type Vec } from './vectors.js';

export type Operator = (v: Vec) => Vec;

export interface EigenOptions {
  iterations: number;
  tol: number;
  method: 'power' | 'lanczos';
}

export interface EigenEstimate {
  value: number;
  /** unit eigenvector estimate (owned by the caller) */
  vector: Vec;
  /** operator applications used */
  iterations: number;
  converged: boolean;
}

/**
 * λ_max of the operator. `start` is a unit (or any nonzero) vector, not consumed; `fresh` gives a
 * new random start when power iteration needs a second, shifted run (a dominant negative eigenvalue).
 */
export function topEigen(op: Operator, start: Vec, opts: EigenOptions, fresh: () => Vec): EigenEstimate {
  if (opts.method === 'lanczos') return lanczos(op, start, opts);
  const first = power(op, start, opts);
  if (first.value >= 0) return first;
  // Power iteration found the largest |λ|, which is negative: iterate on H − λ·I (positive
  // semi-definite up to that shift) to reach the top of the spectrum.
  const shift = first.value;
  const shifted: Operator = (v) => tf.tidy(() => {
    const hv = op(v);
    return axpy(hv, -shift, v);
  });
  dispose(first.vector);
  const start2 = fresh();
  const second = power(shifted, start2, opts);
  dispose(start2);
  return { ...second, value: second.value + shift, iterations: first.iterations + second.iterations };
}

function power(op: Operator, start: Vec, { iterations, tol }: EigenOptions): EigenEstimate {
  let v = tf.tidy(() => scale(start, 1 / norm(start)));
  let value = NaN;
  let used = 0;
  let converged = false;
  for (let i = 0; i < iterations; i++) {
    const w = tf.tidy(() => op(v));
    used++;
    const next = dot(v, w);
    const wn = norm(w);
    const prev = value;
    value = next;
    if (!(wn > 0) || !Number.isFinite(wn)) {
      dispose(w);
      if (!(wn > 0)) converged = true; // v is in the null space: λ = 0 exactly
      break;
    }
    const u = tf.tidy(() => scale(w, 1 / wn));
    dispose(w);
    dispose(v);
    v = u;
    if (i > 0 && Math.abs(value - prev) <= tol * Math.abs(value)) {
      converged = true;
      break;
    }
  }
  return { value, vector: v, iterations: used, converged };
}

/** Lanczos with full re-orthogonalisation; stops when the top Ritz value settles. */
function lanczos(op: Operator, start: Vec, { iterations, tol }: EigenOptions): EigenEstimate {
  const q: Vec[] = [tf.tidy(() => scale(start, 1 / norm(start)))];
  const alpha: number[] = [];
  const beta: number[] = [];
  let ritz = NaN;
  let ritzVector: number[] = [1];
  let converged = false;
  let used = 0;
  for (let j = 0; j < iterations; j++) {
    let w = tf.tidy(() => op(q[j]));
    used++;
    const a = dot(w, q[j]);
    alpha.push(a);
    // full re-orthogonalisation against every previous Lanczos vector (twice is enough in float32)
    for (let pass = 0; pass < 2; pass++) {
      for (const qi of q) {
        const c = dot(w, qi);
        const next = tf.tidy(() => axpy(w, -c, qi));
        dispose(w);
        w = next;
      }
    }
    const T = alpha.map((_, r) => alpha.map((__, c) => (r === c ? alpha[r] : Math.abs(r - c) === 1 ? beta[Math.min(r, c)] : 0)));
    const eig = symmetricEigen(T);
    const prev = ritz;
    ritz = eig.values[0];
    ritzVector = eig.vectors[0];
    const b = norm(w);
    const scaleRef = Math.max(Math.abs(ritz), 1e-30);
    if ((j > 0 && Math.abs(ritz - prev) <= tol * Math.abs(ritz)) || !(b > 1e-7 * scaleRef)) {
      converged = true;
      dispose(w);
      break;
    }
    if (j === iterations - 1) {
      dispose(w);
      break;
    }
    beta.push(b);
    q.push(tf.tidy(() => scale(w, 1 / b)));
    dispose(w);
  }
  const vector = tf.tidy(() => {
    let acc = scale(q[0], ritzVector[0]);
    for (let i = 1; i < ritzVector.length; i++) acc = axpy(acc, ritzVector[i], q[i]);
    return scale(acc, 1 / norm(acc));
  });
  for (const qi of q) dispose(qi);
  return { value: ritz, vector, iterations: used, converged };
}
