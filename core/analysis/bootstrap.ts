// Percentile bootstrap with the project's seeded RNG, so the same trials give the same intervals.
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
 * Run `statistic` on `replicates` resamples (it draws what it needs from the RNG it is given) and
 * return the percentile interval of its finite results; replicates that fail (non-finite) are
 * counted so a caller can say how many were usable.
 */
export function bootstrapInterval(
  replicates: number,
  rng: Rng,
  statistic: (rng: Rng) => number,
  level = DEFAULT_LEVEL,
): { interval: Interval | null; values: number[]; usable: number } {
  const values: number[] = [];
  for (let b = 0; b < replicates; b++) {
    const v = statistic(rng);
    if (Number.isFinite(v)) values.push(v);
  }
  // Fewer than 10 usable replicates cannot place a 95% percentile interval meaningfully.
  if (values.length < Math.min(10, replicates)) return { interval: null, values, usable: values.length };
  const a = (1 - level) / 2;
  return { interval: { lo: quantile(values, a), hi: quantile(values, 1 - a), level }, values, usable: values.length };
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
