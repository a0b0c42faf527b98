// Percentile bootstrap with the project's seeded RNG, so the same trials give the same intervals
// (used over seeds when there are many; seed-interval.ts chooses).
import { Rng } from '../rng.js';
import { normalCdf, tQuantile } from './distributions.js';
import { quantile } from './stats.js';

export interface Interval {
  lo: number;
  hi: number;
  /** nominal coverage, e.g. 0.95 */
  level: number;
}

export const DEFAULT_LEVEL = 0.95;

/** Indices 0..n-1 drawn with replacement. */
export function resample(n: number, rng: Rng): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(n);
  return out;
}

/**
 * Tail probability for a percentile interval from n resampled units. Plain percentile intervals
 * run narrow for small n (the bootstrap variance is (n−1)/n of the truth, and z is used where t
 * belongs); the expanded percentile interval (Hesterberg 2015, arXiv 1411.5279) takes the
 * quantiles at Φ(−√(n/(n−1))·t_{n−1}) instead of (1 − level)/2. Without n: the plain tail.
 */
export function expandedTail(level: number, n?: number): number {
  const a = (1 - level) / 2;
  if (n === undefined || n < 2) return a;
  return normalCdf(-Math.sqrt(n / (n - 1)) * tQuantile(1 - a, n - 1));
}

/** Percentile interval of already computed replicate values (expanded for n resampled units). */
export function percentileInterval(values: readonly number[], level = DEFAULT_LEVEL, n?: number): Interval | null {
  const v = values.filter(Number.isFinite);
  if (v.length < 10) return null;
  const a = expandedTail(level, n);
  return { lo: quantile(v, a), hi: quantile(v, 1 - a), level };
}
