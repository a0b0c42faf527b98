// A power-law fit with its bootstrap: whole seeds are resampled when there are several (the
// honest unit of replication), otherwise log residuals around the fit are resampled.
import { Rng } from '../rng.js';
import { DEFAULT_LEVEL, expandedTail, percentileInterval, resample } from './bootstrap.js';
import { fitPowerLaw, FitError, powerLaw, type PowerLawFit, type PowerLawParams } from './power-law.js';
import { quantile } from './stats.js';
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
}

export interface BootstrapFitOptions {
  offset: boolean;
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
  const none: BootstrapInfo = { method: 'none', replicates: 0, usable: 0, level: DEFAULT_LEVEL };
  let fit: PowerLawFit;
  try {
    fit = fitPowerLaw(points.x, points.y, { offset: opts.offset });
  } catch (e) {
    if (!(e instanceof FitError)) throw e;
    return { fit: null, points, ci: null, bootstrap: none, curve: [], quality: null, error: e.message };
  }
  const rng = new Rng(0, 'fit-bootstrap', ...opts.rngLabels);
  const reps: PowerLawParams[] = [];
  let method: BootstrapInfo['method'];
  if (nSeeds >= 2) {
    method = 'seeds';
    for (let b = 0; b < opts.replicates; b++) {
      const p = pointsFor(resample(nSeeds, rng));
      try { reps.push(fitPowerLaw(p.x, p.y, { offset: opts.offset })); } catch { /* counted as unusable */ }
    }
  } else {
    method = 'residuals';
    const used = points.x.map((x, i) => ({ x, y: points.y[i] })).filter((p) => p.x > 0 && p.y > 0 && Number.isFinite(p.x) && Number.isFinite(p.y));
    const resid = used.map((p) => Math.log(p.y) - Math.log(powerLaw(fit, p.x)));
    for (let b = 0; b < opts.replicates; b++) {
      const idx = resample(resid.length, rng);
      const ys = used.map((p, i) => powerLaw(fit, p.x) * Math.exp(resid[idx[i]]));
      try { reps.push(fitPowerLaw(used.map((p) => p.x), ys, { offset: opts.offset })); } catch { /* unusable */ }
    }
  }
  // n resampled units: seeds, or residuals (points less fitted parameters) for one seed
  const units = method === 'seeds' ? nSeeds : Math.max(2, points.x.length - (opts.offset ? 3 : 2) + 1);
  const ci = percentileInterval(reps.map((r) => r.alpha), DEFAULT_LEVEL, units);
  const xs = points.x.filter((v) => v > 0 && Number.isFinite(v));
  const lo = Math.min(...xs), hi = Math.max(...xs);
  const m = opts.curvePoints ?? 40;
  const curve = Array.from({ length: m }, (_, i) => {
    const x = lo * Math.pow(hi / lo, i / (m - 1));
    const band = reps.map((r) => powerLaw(r, x));
    const a = expandedTail(DEFAULT_LEVEL, units);
    return {
      x,
      y: powerLaw(fit, x),
      lo: band.length >= 10 ? quantile(band, a) : null,
      hi: band.length >= 10 ? quantile(band, 1 - a) : null,
    };
  });
  return {
    fit,
    points,
    ci: ci ? [ci.lo, ci.hi] : null,
    bootstrap: { method, replicates: opts.replicates, usable: reps.length, level: DEFAULT_LEVEL },
    curve,
    quality: { r2Log: fit.r2Log, rmsLog: fit.rmsLog, n: fit.n, loss: fit.loss },
  };
}
