// A power-law fit with its interval over seeds (seed-interval.ts): the exponent and the fitted
// curve are refitted on subsets of the seeds, each refit started by the same global search as
// the fit itself.
import { Rng } from '../rng.js';
import { DEFAULT_LEVEL } from './bootstrap.js';
import { fitPowerLaw, FitError, powerLaw, type PowerLawFit } from './power-law.js';
import { seedIntervals } from './seed-interval.js';
import type { BootstrapInfo, Ci, FitQuality, ScalingLawSummary } from './summary.js';

export interface Points {
  x: number[];
  y: number[];
  /** seeds behind each point */
  seeds?: number[];
}

export interface BootstrappedFit {
  fit: PowerLawFit | null;
  points: Points;
  ci: Ci | null;
  bootstrap: BootstrapInfo;
  curve: ScalingLawSummary['curve'];
  quality: FitQuality | null;
  error?: string;
  /** why there is no interval, when there is a fit but none */
  intervalNote?: string;
}

export interface BootstrapFitOptions {
  offset: boolean;
  /** bootstrap replicates, used when there are enough seeds for the bootstrap */
  replicates: number;
  /** labels of the seeded RNG, so the same sweep gives the same interval */
  rngLabels: (string | number)[];
  curvePoints?: number;
}

export function fitWithBootstrap(
  pointsFor: (seedIdx: readonly number[]) => Points,
  nSeeds: number,
  opts: BootstrapFitOptions,
): BootstrappedFit {
  const all = nSeeds > 0 ? Array.from({ length: nSeeds }, (_, i) => i) : [];
  const points = pointsFor(all);
  let fit: PowerLawFit;
  try {
    fit = fitPowerLaw(points.x, points.y, { offset: opts.offset });
  } catch (e) {
    if (!(e instanceof FitError)) throw e;
    const none: BootstrapInfo = { method: 'none', replicates: 0, usable: 0, level: DEFAULT_LEVEL, seeds: nSeeds };
    return { fit: null, points, ci: null, bootstrap: none, curve: [], quality: null, error: e.message };
  }
  const xs = points.x.filter((v) => v > 0 && Number.isFinite(v));
  const lo = Math.min(...xs), hi = Math.max(...xs);
  const m = opts.curvePoints ?? 40;
  const curveX = Array.from({ length: m }, (_, i) => lo * Math.pow(hi / lo, i / (m - 1)));
  // One statistic vector: the exponent, then log L at each plotted x (its pointwise band, in
  // log space like the fit, so a wide band stays positive).
  const vector = (f: PowerLawFit) => [f.alpha, ...curveX.map((x) => Math.log(powerLaw(f, x)))];
  const res = seedIntervals(nSeeds, vector(fit), (idx) => {
    const p = pointsFor(idx);
    try {
      return vector(fitPowerLaw(p.x, p.y, { offset: opts.offset }));
    } catch (e) {
      if (e instanceof FitError) return null;
      throw e;
    }
  }, { replicates: opts.replicates, rng: new Rng(0, 'fit-bootstrap', ...opts.rngLabels), level: DEFAULT_LEVEL });
  const [ci, ...band] = res.intervals;
  return {
    fit,
    points,
    ci: ci ? [ci.lo, ci.hi] : null,
    bootstrap: { method: res.method, replicates: res.replicates, usable: res.usable, level: DEFAULT_LEVEL, seeds: nSeeds },
    curve: curveX.map((x, i) => ({ x, y: powerLaw(fit, x), lo: band[i] ? Math.exp(band[i]!.lo) : null, hi: band[i] ? Math.exp(band[i]!.hi) : null })),
    quality: { r2Log: fit.r2Log, rmsLog: fit.rmsLog, n: fit.n, loss: fit.loss },
    ...(res.note ? { intervalNote: res.note } : {}),
  };
}
