// Seeded random numbers for data and initialisation. Everything random in a trial comes from
// here, derived from (seed, purpose), so a trial is reproducible on any backend and
// independent streams (teacher, init, batches, test set) never share draws.
import { createHash } from 'node:crypto';
import { xoroshiro128plus } from 'pure-rand';

type Gen = ReturnType<typeof xoroshiro128plus>;

/** 32-bit seed from a trial seed and a purpose label, e.g. ("init", 0) or ("batch", step). */
export function deriveSeed(seed: number, ...labels: (string | number)[]): number {
  const h = createHash('sha256').update(JSON.stringify([seed, ...labels])).digest();
  return h.readInt32LE(0);
}

export class Rng {
  private readonly gen: Gen;
  private spare: number | null = null;

  constructor(seed: number, ...labels: (string | number)[]) {
    this.gen = xoroshiro128plus(labels.length ? deriveSeed(seed, ...labels) : seed | 0);
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = (this.gen.unsafeNext() >>> 0) >>> 5; // 27 bits
    const lo = (this.gen.unsafeNext() >>> 0) >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal (Box–Muller, both values used). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  fillNormal(out: Float32Array | Float64Array, std = 1): typeof out {
    for (let i = 0; i < out.length; i++) out[i] = this.normal() * std;
    return out;
  }

  fillUniform(out: Float32Array | Float64Array, lo = 0, hi = 1): typeof out {
    for (let i = 0; i < out.length; i++) out[i] = lo + (hi - lo) * this.uniform();
    return out;
  }

  /** Fisher–Yates permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i]; p[i] = p[j]; p[j] = t;
    }
    return p;
  }
}
