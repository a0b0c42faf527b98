// Random orthonormal vectors for teacher directions and rotation planes.
import type { Rng } from '../rng.js';

/**
 * r orthonormal vectors in R^d (r ≤ d), uniformly random: Gram–Schmidt of Gaussian vectors,
 * orthogonalised twice so the result is orthonormal to float64 rounding even for large d.
 */
export function randomOrthonormal(rng: Rng, r: number, d: number): Float64Array[] {
  if (r > d) throw new Error(`cannot draw ${r} orthonormal vectors in dimension ${d}`);
  const out: Float64Array[] = [];
  while (out.length < r) {
    const v = rng.fillNormal(new Float64Array(d)) as Float64Array;
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < out.length; k++) {
        const u = out[k];
        let c = 0;
        for (let i = 0; i < d; i++) c += u[i] * v[i];
        for (let i = 0; i < d; i++) v[i] -= c * u[i];
      }
    }
    let sq = 0;
    for (let i = 0; i < d; i++) sq += v[i] * v[i];
    const norm = Math.sqrt(sq);
    // A draw (numerically) inside the span so far has probability 0; redraw if it happens.
    if (!(norm > 1e-8)) continue;
    for (let i = 0; i < d; i++) v[i] /= norm;
    out.push(v);
  }
  return out;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>, bOffset = 0): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[bOffset + i];
  return s;
}
