// Coverage of the intervals over seeds, by simulation: sweeps with a known truth are generated,
// analysed by the same code as real sweeps, and the share of intervals containing the truth is
// counted. The unit tests assert it; the results page reports it (npm run reproduce intervals).
import { fitWithBootstrap } from './fit-bootstrap.js';
import { slopeFor, slopeInterval, type LrTable } from './lr-transfer.js';
import { powerLaw } from './power-law.js';
import { Rng } from '../rng.js';

export interface Coverage {
  /** what was simulated */
  statistic: 'power-law exponent' | 'lr-transfer slope';
  seeds: number;
  draws: number;
  /** share of the nominal-95% intervals that contain the truth */
  rate: number;
  meanWidth: number;
  /** interval method the analysis chose (core/analysis/seed-interval.ts) */
  method: string;
}

const WIDTHS = [16, 32, 64, 128, 256, 512, 1024, 2048];
export const EXPONENT_TRUTH = { E: 0.05, A: 2, alpha: 0.5 };
/** per-point multiplicative noise of one seed's losses */
export const EXPONENT_NOISE = 0.03;

/** Per-seed losses: truth × exp(σ·ε) per point, seeds independent (a seed is its own draw). */
export function seedCurves(rng: Rng, nSeeds: number, truth: { E: number; A: number; alpha: number }, sigma: number): number[][] {
  return Array.from({ length: nSeeds }, () => WIDTHS.map((w) => powerLaw(truth, w) * Math.exp(sigma * rng.normal())));
}

/** The scaling-law fit of the seed-mean curve with its interval over seeds. */
export function fitSeedCurves(seeds: number[][], offset: boolean, replicates: number, labels: (string | number)[]) {
  return fitWithBootstrap((idx) => ({
    x: WIDTHS,
    y: WIDTHS.map((_, i) => idx.reduce((s, k) => s + seeds[k][i], 0) / idx.length),
  }), seeds.length, { offset, replicates, rngLabels: labels, curvePoints: 2 });
}

/** Exponent E + A·x^(−α) fitted with offset over 8 widths, 3% noise per point and seed. */
export function exponentCoverage(nSeeds: number, draws: number, seed = 2024): Coverage {
  const rng = new Rng(seed, 'coverage-exponent', nSeeds);
  let hits = 0, widthSum = 0, method = 'none';
  for (let d = 0; d < draws; d++) {
    const res = fitSeedCurves(seedCurves(rng, nSeeds, EXPONENT_TRUTH, EXPONENT_NOISE), true, 10, ['coverage', nSeeds, d]);
    method = res.bootstrap.method;
    if (!res.ci) continue;
    widthSum += res.ci[1] - res.ci[0];
    if (res.ci[0] <= EXPONENT_TRUTH.alpha && EXPONENT_TRUTH.alpha <= res.ci[1]) hits++;
  }
  return { statistic: 'power-law exponent', seeds: nSeeds, draws, rate: hits / draws, meanWidth: widthSum / draws, method };
}

export const SLOPE_TRUTH = -0.5;

/** An lr sweep: per seed and width, loss = L0·exp(c·log²(η/η*)) with η* = η*_0·(N/64)^slope
 *  scattered by seed (σ = 0.15 in log η*) and 1% loss noise. */
export function simulateLrTable(rng: Rng, nSeeds: number, slope = SLOPE_TRUTH): LrTable {
  const widths = [64, 128, 256, 512, 1024];
  const lrs = Array.from({ length: 21 }, (_, i) => 0.01 * Math.pow(10, i / 8));
  const values = Array.from({ length: nSeeds }, () => widths.map((w) => {
    const star = 0.2 * Math.pow(w / 64, slope) * Math.exp(0.15 * rng.normal());
    return lrs.map((lr) => 0.05 * Math.exp(0.4 * Math.log(lr / star) ** 2) * Math.exp(0.01 * rng.normal()));
  }));
  return { seeds: Array.from({ length: nSeeds }, (_, i) => i), widths, lrs, values };
}

/** The lr-transfer slope of log η* on log N, η* scattered by seed. */
export function slopeCoverage(nSeeds: number, draws: number, seed = 7): Coverage {
  const rng = new Rng(seed, 'coverage-slope', nSeeds);
  let hits = 0, widthSum = 0, method = 'none';
  for (let d = 0; d < draws; d++) {
    const table = simulateLrTable(rng, nSeeds);
    const all = table.seeds.map((_, i) => i);
    const iv = slopeInterval(table, slopeFor(table, all), 10, ['coverage', nSeeds, d]);
    method = iv.method;
    const ci = iv.intervals[0];
    if (!ci) continue;
    widthSum += ci.hi - ci.lo;
    if (ci.lo <= SLOPE_TRUTH && SLOPE_TRUTH <= ci.hi) hits++;
  }
  return { statistic: 'lr-transfer slope', seeds: nSeeds, draws, rate: hits / draws, meanWidth: widthSum / draws, method };
}
