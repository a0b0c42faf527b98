// top-eigen.ts batched over a pack: power iteration or Lanczos on a packed operator, each trial
// with its own iterate, convergence test and iteration count. A trial that has stopped keeps its
// slice (the operator still runs on it, its result is discarded), so every running trial takes
// exactly the steps it would take alone.
import * as tf from '@tensorflow/tfjs';
import type { EigenOptions } from '../../measure/top-eigen.js';
import { symmetricEigen } from '../../measure/symmetric-eigen.js';
import { axpyEach, disposeVec, dots, norms, scaleEach, select, type PackedVec } from './packed-vectors.js';

export type PackedOperator = (v: PackedVec) => PackedVec;

export interface PackedEigenEstimate {
  value: number[];
  /** unit eigenvector estimates, one slice per trial (owned by the caller) */
  vector: PackedVec;
  iterations: number[];
  converged: boolean[];
}

/** New starts for trials `want` (the others keep their slice of `base`). */
export type FreshStarts = (want: readonly boolean[], base: PackedVec) => PackedVec;

/** λ_max per trial for the trials in `active` (the others' entries are NaN). */
export function packedTopEigen(op: PackedOperator, start: PackedVec, active: readonly boolean[], opts: EigenOptions, fresh: FreshStarts): PackedEigenEstimate {
  if (opts.method === 'lanczos') return lanczos(op, start, active, opts);
  const first = power(op, start, active, opts);
  const need = active.map((a, t) => a && !(first.value[t] >= 0));
  if (!need.some(Boolean)) return first;
  // as top-eigen.ts: a dominant negative eigenvalue, so iterate on H − λ·I from a fresh start
  const minusShift = first.value.map((v, t) => (need[t] ? -v : 0));
  const shifted: PackedOperator = (v) => tf.tidy(() => axpyEach(op(v), minusShift, v));
  const start2 = fresh(need, first.vector);
  const second = power(shifted, start2, need, opts);
  disposeVec(start2);
  const vector = tf.tidy(() => select(need, second.vector, first.vector));
  disposeVec(first.vector);
  disposeVec(second.vector);
  return {
    value: first.value.map((v, t) => (need[t] ? second.value[t] + v : v)),
    vector,
    iterations: first.iterations.map((n, t) => n + second.iterations[t]),
    converged: first.converged.map((c, t) => (need[t] ? second.converged[t] : c)),
  };
}

function power(op: PackedOperator, start: PackedVec, active: readonly boolean[], { iterations, tol }: EigenOptions): PackedEigenEstimate {
  const T = active.length;
  const n0 = norms(start);
  let v = tf.tidy(() => scaleEach(start, n0.map((n, t) => (active[t] ? 1 / n : 1))));
  const value = new Array<number>(T).fill(NaN);
  const used = new Array<number>(T).fill(0);
  const converged = new Array<boolean>(T).fill(false);
  const running = active.slice();
  for (let i = 0; i < iterations && running.some(Boolean); i++) {
    const w = tf.tidy(() => op(v));
    const [vw, ww] = dots([[v, w], [w, w]]);
    const update = new Array<boolean>(T).fill(false);
    const factor = new Array<number>(T).fill(1);
    for (let t = 0; t < T; t++) {
      if (!running[t]) continue;
      used[t]++;
      const prev = value[t];
      value[t] = vw[t];
      const wn = Math.sqrt(ww[t]);
      if (!(wn > 0) || !Number.isFinite(wn)) {
        if (!(wn > 0)) converged[t] = true;
        running[t] = false;
        continue;
      }
      update[t] = true;
      factor[t] = 1 / wn;
      if (i > 0 && Math.abs(value[t] - prev) <= tol * Math.abs(value[t])) {
        converged[t] = true;
        running[t] = false;
      }
    }
    if (update.some(Boolean)) {
      const u = tf.tidy(() => select(update, scaleEach(w, factor), v));
      disposeVec(v);
      v = u;
    }
    disposeVec(w);
  }
  return { value, vector: v, iterations: used, converged };
}

function lanczos(op: PackedOperator, start: PackedVec, active: readonly boolean[], { iterations, tol }: EigenOptions): PackedEigenEstimate {
  const T = active.length;
  const n0 = norms(start);
  const q: PackedVec[] = [tf.tidy(() => scaleEach(start, n0.map((n, t) => (active[t] ? 1 / n : 1))))];
  const alpha: number[][] = Array.from({ length: T }, () => []);
  const beta: number[][] = Array.from({ length: T }, () => []);
  const ritz = new Array<number>(T).fill(NaN);
  const ritzVector: number[][] = Array.from({ length: T }, () => [1]);
  const converged = new Array<boolean>(T).fill(false);
  const used = new Array<number>(T).fill(0);
  const running = active.slice();
  for (let j = 0; j < iterations && running.some(Boolean); j++) {
    let w = tf.tidy(() => op(q[j]));
    const [a] = dots([[w, q[j]]]);
    for (let t = 0; t < T; t++) {
      if (!running[t]) continue;
      used[t]++;
      alpha[t].push(a[t]);
    }
    for (let pass = 0; pass < 2; pass++) {
      for (const qi of q) {
        const [c] = dots([[w, qi]]);
        const next = tf.tidy(() => axpyEach(w, c.map((x, t) => (running[t] ? -x : 0)), qi));
        disposeVec(w);
        w = next;
      }
    }
    const b = norms(w);
    const grow = new Array<boolean>(T).fill(false);
    for (let t = 0; t < T; t++) {
      if (!running[t]) continue;
      const al = alpha[t], be = beta[t];
      const tri = al.map((_, r) => al.map((__, c) => (r === c ? al[r] : Math.abs(r - c) === 1 ? be[Math.min(r, c)] : 0)));
      const eig = symmetricEigen(tri);
      const prev = ritz[t];
      ritz[t] = eig.values[0];
      ritzVector[t] = eig.vectors[0];
      const scaleRef = Math.max(Math.abs(ritz[t]), 1e-30);
      if ((j > 0 && Math.abs(ritz[t] - prev) <= tol * Math.abs(ritz[t])) || !(b[t] > 1e-7 * scaleRef)) {
        converged[t] = true;
        running[t] = false;
      } else if (j === iterations - 1) {
        running[t] = false;
      } else {
        be.push(b[t]);
        grow[t] = true;
      }
    }
    if (grow.some(Boolean)) q.push(tf.tidy(() => scaleEach(w, b.map((x, t) => (grow[t] ? 1 / x : 1)))));
    disposeVec(w);
  }
  const vector = tf.tidy(() => {
    let acc = scaleEach(q[0], ritzVector.map((r) => r[0]));
    for (let i = 1; i < q.length; i++) {
      const has = ritzVector.map((r) => i < r.length);
      acc = select(has, axpyEach(acc, ritzVector.map((r) => (i < r.length ? r[i] : 0)), q[i]), acc);
    }
    const n = norms(acc);
    return scaleEach(acc, n.map((x) => 1 / x));
  });
  for (const qi of q) disposeVec(qi);
  return { value: ritz, vector, iterations: used, converged };
}
