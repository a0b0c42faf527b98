// Intervals over seeds, the unit of replication of a sweep. A statistic is recomputed on subsets
// of the seeds and the spread of the results gives the interval, centred on the estimate from
// all seeds:
//   - 2 to 9 seeds: leave-one-seed-out jackknife with a Student-t quantile on n − 1 degrees of
//     freedom. For a mean over seeds this is exactly the t interval, whose coverage holds at any
//     n; for a smooth statistic of seed means (a fitted exponent, a slope) it holds to first
//     order. A percentile bootstrap over so few seeds has only a handful of distinct resamples
//     (3 at two seeds), so its "95%" is the range of those.
//   - 10 or more seeds: the expanded percentile bootstrap over seeds (bootstrap.ts), which also
//     captures skew.
//   - 1 seed: no interval over seeds.
import type { Rng } from '../rng.js';
import { DEFAULT_LEVEL, percentileInterval, resample, type Interval } from './bootstrap.js';
import { tQuantile } from './distributions.js';
import { mean } from './stats.js';

export type IntervalMethod = 'jackknife-t' | 'bootstrap-percentile' | 'none';

/** Seeds from which the percentile bootstrap replaces the jackknife. */
export const BOOTSTRAP_MIN_SEEDS = 10;

export interface SeedIntervals {
  method: IntervalMethod;
  /** one interval per component of the statistic; null where it could not be computed */
  intervals: (Interval | null)[];
  /** statistics computed on subsets of seeds: n leave-one-out fits, or the bootstrap replicates */
  replicates: number;
  /** of those, the ones that gave a finite value for every component */
  usable: number;
  /** why there is no interval, when there is none */
  note?: string;
}

export interface SeedIntervalOptions {
  /** bootstrap replicates (10 or more seeds only) */
  replicates: number;
  rng: Rng;
  level?: number;
}

/**
 * Intervals for each component of `estimate` (the statistic on all seeds), from `statistic`
 * evaluated on multisets of seed indices 0..nSeeds−1 (null or non-finite when it fails there).
 * Every interval contains its estimate.
 */
export function seedIntervals(
  nSeeds: number,
  estimate: readonly number[],
  statistic: (seedIdx: readonly number[]) => readonly number[] | null,
  opts: SeedIntervalOptions,
): SeedIntervals {
  const level = opts.level ?? DEFAULT_LEVEL;
  const none = (note: string): SeedIntervals => ({ method: 'none', intervals: estimate.map(() => null), replicates: 0, usable: 0, note });
  if (nSeeds < 2) return none(`${nSeeds === 1 ? 'one seed' : 'no seeds'}: no interval over seeds (run 2 or more seeds)`);
  const all = Array.from({ length: nSeeds }, (_, i) => i);
  const finite = (v: readonly number[] | null): v is readonly number[] => v !== null && v.length === estimate.length && v.every(Number.isFinite);

  if (nSeeds < BOOTSTRAP_MIN_SEEDS) {
    const loo = all.map((k) => statistic(all.filter((i) => i !== k)));
    const usable = loo.filter(finite);
    const method: IntervalMethod = 'jackknife-t';
    if (usable.length < nSeeds) {
      return { method, intervals: estimate.map(() => null), replicates: nSeeds, usable: usable.length,
        note: `the statistic failed without ${nSeeds - usable.length} of the ${nSeeds} seeds: no leave-one-seed-out interval` };
    }
    const t = tQuantile(1 - (1 - level) / 2, nSeeds - 1);
    const intervals = estimate.map((est, c) => {
      const v = usable.map((u) => u[c]);
      const m = mean(v);
      const se = Math.sqrt(((nSeeds - 1) / nSeeds) * v.reduce((s, x) => s + (x - m) ** 2, 0));
      return Number.isFinite(est) ? { lo: est - t * se, hi: est + t * se, level } : null;
    });
    return { method, intervals, replicates: nSeeds, usable: nSeeds };
  }

  const reps: (readonly number[])[] = [];
  for (let b = 0; b < opts.replicates; b++) {
    const v = statistic(resample(nSeeds, opts.rng));
    if (finite(v)) reps.push(v);
  }
  const intervals = estimate.map((est, c) => {
    const ci = Number.isFinite(est) ? percentileInterval(reps.map((r) => r[c]), level, nSeeds) : null;
    // A percentile interval can miss its own estimate when the replicates are skewed or biased;
    // it is widened to reach the estimate rather than report a range the fit itself is outside.
    return ci && { lo: Math.min(ci.lo, est), hi: Math.max(ci.hi, est), level };
  });
  const out: SeedIntervals = { method: 'bootstrap-percentile', intervals, replicates: opts.replicates, usable: reps.length };
  if (intervals.every((i) => i === null)) out.note = `only ${reps.length} of ${opts.replicates} bootstrap replicates gave a finite value: no interval`;
  return out;
}
