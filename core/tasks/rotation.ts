// Input rotations for continual task sequences (P4, arXiv 2403.06398).
import type { Rng } from '../rng.js';
import type { Dataset } from './task.js';
import { randomOrthonormal } from './linalg.js';

/** A linear map applied to every input row of a dataset. */
export interface InputMap {
  /** x (length inputDim) → out (length inputDim); out is not x */
  apply(x: Float32Array, out: Float64Array): void;
}

/**
 * Rotation by the same angle φ in each of ⌊D/2⌋ fixed, mutually orthogonal random planes
 * (q_{2p}, q_{2p+1}); with D odd one random direction stays fixed. A vector's component
 * (a, b) in a plane becomes (a cos φ − b sin φ, a sin φ + b cos φ); norms are preserved and
 * the rotations by k·φ form the powers of one orthogonal map.
 */
export class PlaneRotation implements InputMap {
  private readonly cos: number;
  private readonly sin: number;

  constructor(private readonly planes: Float64Array[], angle: number) {
    this.cos = Math.cos(angle);
    this.sin = Math.sin(angle);
  }

  /** ⌊D/2⌋ random planes from one stream: the first 2⌊D/2⌋ vectors of a random orthonormal basis. */
  static planes(rng: Rng, dim: number): Float64Array[] {
    return randomOrthonormal(rng, 2 * Math.floor(dim / 2), dim);
  }

  apply(x: ArrayLike<number>, out: Float64Array): void {
    const d = out.length, c1 = this.cos - 1, s = this.sin;
    for (let j = 0; j < d; j++) out[j] = x[j];
    // Project the running vector: earlier planes' updates lie in those (orthogonal) planes,
    // so this equals projecting x, and reading one Float64Array keeps the O(D²) loop fast.
    for (let p = 0; p + 1 < this.planes.length; p += 2) {
      const q1 = this.planes[p], q2 = this.planes[p + 1];
      let a = 0, b = 0;
      for (let j = 0; j < d; j++) { a += q1[j] * out[j]; b += q2[j] * out[j]; }
      const u = c1 * a - s * b, v = s * a + c1 * b;
      for (let j = 0; j < d; j++) out[j] += u * q1[j] + v * q2[j];
    }
  }
}

/**
 * Rotation of h × w images (row-major, row 0 at the top) by φ counterclockwise about the
 * image centre, as P4 rotates MNIST digits. Each output pixel is the bilinear interpolation
 * of the input at the back-rotated position; positions outside the image read `background`
 * (the value of a blank pixel after scaling). Precomputed as 4 taps per pixel.
 */
export class ImageRotation implements InputMap {
  private readonly taps: Int32Array;
  private readonly weights: Float64Array;

  constructor(readonly height: number, readonly width: number, angle: number, private readonly background: number) {
    const n = height * width, cx = (width - 1) / 2, cy = (height - 1) / 2;
    const c = Math.cos(angle), s = Math.sin(angle);
    this.taps = new Int32Array(4 * n).fill(-1);
    this.weights = new Float64Array(4 * n);
    for (let row = 0; row < height; row++) {
      for (let col = 0; col < width; col++) {
        // (u, v) = pixel in centred coordinates with v pointing up; rotate by −φ to find the source
        const u = col - cx, v = cy - row;
        const su = c * u + s * v, sv = -s * u + c * v;
        const scol = snap(su + cx), srow = snap(cy - sv);
        const c0 = Math.floor(scol), r0 = Math.floor(srow), fc = scol - c0, fr = srow - r0;
        const k = 4 * (row * width + col);
        const corners: [number, number, number][] = [
          [r0, c0, (1 - fr) * (1 - fc)], [r0, c0 + 1, (1 - fr) * fc], [r0 + 1, c0, fr * (1 - fc)], [r0 + 1, c0 + 1, fr * fc],
        ];
        corners.forEach(([r, cc, wgt], t) => {
          this.weights[k + t] = wgt;
          if (r >= 0 && r < height && cc >= 0 && cc < width) this.taps[k + t] = r * width + cc;
        });
      }
    }
  }

  apply(x: ArrayLike<number>, out: Float64Array): void {
    const n = this.height * this.width;
    for (let i = 0; i < n; i++) {
      let v = 0;
      for (let t = 4 * i; t < 4 * i + 4; t++) {
        const w = this.weights[t];
        if (w !== 0) v += w * (this.taps[t] >= 0 ? x[this.taps[t]] : this.background);
      }
      out[i] = v;
    }
  }
}

/** Round coordinates within 1e-9 of an integer to it, so 90° turns land exactly on pixels. */
function snap(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - r) < 1e-9 ? r : v;
}

/** A copy of ds with every input row mapped; targets and labels are shared (unchanged). */
export function mapInputs(ds: Dataset, map: InputMap): Dataset {
  const d = ds.inputDim, x = new Float32Array(ds.x.length), out = new Float64Array(d);
  for (let i = 0; i < ds.n; i++) {
    const o = i * d;
    map.apply(ds.x.subarray(o, o + d), out);
    for (let j = 0; j < d; j++) x[o + j] = out[j]; // element loop: set() across types is slow
  }
  return { ...ds, x };
}
