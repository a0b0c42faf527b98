// Sample statistics with their standard errors, for the task generators' statistical tests.

export interface Moments { n: number; mean: number; variance: number; seMean: number; seVariance: number }

/** Mean and (population) variance of xs with their standard errors from the sample's own moments. */
export function moments(xs: ArrayLike<number>): Moments {
  const n = xs.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += xs[i];
  const mean = s / n;
  let m2 = 0, m4 = 0;
  for (let i = 0; i < n; i++) { const d = xs[i] - mean; m2 += d * d; m4 += d ** 4; }
  m2 /= n; m4 /= n;
  return { n, mean, variance: m2, seMean: Math.sqrt(m2 / n), seVariance: Math.sqrt(Math.max(m4 - m2 * m2, 0) / n) };
}

/** Column j of a row-major n × d matrix. */
export function column(x: Float32Array, d: number, j: number): Float64Array {
  const n = x.length / d;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = x[i * d + j];
  return out;
}
