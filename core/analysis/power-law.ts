// Robust fit of L(x) = E + A·x^(−α) (docs/science.md §4): nonlinear least squares in log space, so
// every point counts by its relative error, with a robust loss applied by iteratively
// reweighted least squares around Levenberg–Marquardt (ml-levenberg-marquardt).
import { levenbergMarquardt } from 'ml-levenberg-marquardt';
import { fitLine, mean, robustSigma } from './stats.js';

export type RobustLoss = 'linear' | 'soft-l1' | 'huber';

export interface PowerLawParams {
  /** irreducible loss (0 when fitted without offset) */
  E: number;
  A: number;
  /** exponent α of L = E + A·x^(−α) */
  alpha: number;
}

export interface PowerLawOptions {
  /** fit the offset E (default true); false fits a pure power law A·x^(−α) */
  offset?: boolean;
  loss?: RobustLoss;
  /** residual size (log units) where the robust loss turns linear; default 1.345 × the robust σ
   *  of an ordinary least-squares fit's residuals */
  scale?: number;
  /** warm start, e.g. the point estimate when fitting bootstrap replicates */
  start?: PowerLawParams;
}

export interface PowerLawFit extends PowerLawParams {
  offset: boolean;
  loss: RobustLoss;
  n: number;
  /** R² of log L in log space */
  r2Log: number;
  /** residual scale: root mean square log residual over the degrees of freedom (≈ relative error) */
  rmsLog: number;
  robustScale: number;
  iterations: number;
}

export class FitError extends Error {
  override name = 'FitError';
}

export function powerLaw(p: PowerLawParams, x: number): number {
  return p.E + p.A * Math.pow(x, -p.alpha);
}

const ALPHA_GRID = Array.from({ length: 48 }, (_, i) => 0.01 * Math.pow(600, i / 47)); // 0.01 .. 6

/** Weight of a residual in iteratively reweighted least squares (pure power law). */
function robustWeights(r: number[], s: number, loss: RobustLoss): number[] {
  return r.map((ri) => {
    const z = ri / s;
    if (loss === 'soft-l1') return 1 / Math.sqrt(1 + z * z);
    if (loss === 'huber') return Math.abs(z) <= 1 ? 1 : 1 / Math.abs(z);
    return 1;
  });
}

/** g(u) with g(u)² = ρ(u²) (soft-L1: ρ(z) = 2(√(1+z) − 1); Huber: ρ(z) = z or 2√z − 1), and g'(u). */
function rho(loss: RobustLoss, u: number): { g: number; dg: number } {
  const a = Math.abs(u);
  const sign = u < 0 ? -1 : 1;
  if (loss === 'linear' || a < 1e-6 || (loss === 'huber' && a <= 1)) return { g: u, dg: 1 };
  if (loss === 'huber') {
    const g = Math.sqrt(2 * a - 1);
    return { g: sign * g, dg: 1 / g };
  }
  const r = Math.sqrt(1 + a * a);
  const g = Math.sqrt(2 * (r - 1));
  return { g: sign * g, dg: a / r / g };
}

/** Fit E + A·x^(−α) (or A·x^(−α)) to points with positive finite x and y. Throws FitError. */
export function fitPowerLaw(xIn: readonly number[], yIn: readonly number[], opts: PowerLawOptions = {}): PowerLawFit {
  const offset = opts.offset ?? true;
  const loss = opts.loss ?? 'soft-l1';
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < Math.min(xIn.length, yIn.length); i++) {
    if (Number.isFinite(xIn[i]) && Number.isFinite(yIn[i]) && xIn[i] > 0 && yIn[i] > 0) {
      x.push(xIn[i]);
      y.push(yIn[i]);
    }
  }
  const nParams = offset ? 3 : 2;
  const distinct = new Set(x).size;
  if (distinct < nParams || x.length < nParams + (offset ? 1 : 0)) {
    throw new FitError(
      `power-law fit${offset ? ' with offset' : ''} needs at least ${offset ? 4 : 2} points at ${nParams}+ distinct x with positive finite values (got ${x.length} points at ${distinct} x)`,
    );
  }
  // Centre log x on its mean so A and α are not strongly correlated during the fit.
  const logx0 = mean(x.map(Math.log));
  const lx = x.map((v) => Math.log(v) - logx0);
  const ly = y.map(Math.log);

  let E = 0, la = 0, alpha = 0, iterations = 0, s = 0;
  if (!offset) {
    // Pure power law: a straight line in log-log, reweighted in closed form.
    let w = lx.map(() => 1);
    let line = fitLine(lx, ly, w)!;
    const r0 = ly.map((v, i) => v - (line.intercept + line.slope * lx[i]));
    s = opts.scale ?? Math.max(1.345 * robustSigma(r0), 1e-9);
    for (iterations = 1; loss !== 'linear' && iterations <= 50; iterations++) {
      const r = ly.map((v, i) => v - (line.intercept + line.slope * lx[i]));
      w = robustWeights(r, s, loss);
      const next = fitLine(lx, ly, w)!;
      const change = Math.abs(next.slope - line.slope) + Math.abs(next.intercept - line.intercept);
      line = next;
      if (change < 1e-12) break;
    }
    la = line.intercept;
    alpha = -line.slope;
  } else {
    ({ E, la, alpha } = initialGuess(lx, y, ly, opts.start, logx0));
    const model = (p: number[]) => (t: number) => Math.log(p[0] + Math.exp(p[1] - p[2] * t));
    const jacobian = (p: number[]) => (t: number) => {
      const u = Math.exp(p[1] - p[2] * t);
      const m = p[0] + u;
      return [1 / m, u / m, (-t * u) / m];
    };
    // The library stops only on an absolute error target, so run it in short chunks and stop
    // when the parameters no longer move. `index` makes each data point its own x so the
    // robust residuals below can depend on the point's observed value.
    const index = lx.map((_, i) => i);
    const zeros = lx.map(() => 0);
    const solve = (p0: number[], residual: (p: number[]) => (i: number) => number, jac: (p: number[]) => (i: number) => number[]) => {
      let p = p0;
      for (let c = 0; c < 40; c++) {
        const res = levenbergMarquardt({ x: index, y: zeros }, residual, {
          initialValues: p,
          jacobianFunction: jac,
          damping: 1e-3,
          maxIterations: 8,
          errorTolerance: 1e-30,
          minValues: [0, -60, 1e-6],
          maxValues: [1e12, 60, 20],
        });
        iterations += res.iterations;
        const q = res.parameterValues;
        const change = Math.max(...q.map((v, i) => Math.abs(v - p[i]) / Math.max(Math.abs(p[i]), 1e-8)));
        p = q;
        if (change < 1e-9) break;
      }
      return p;
    };
    const f = (p: number[], i: number) => Math.log(p[0] + Math.exp(p[1] - p[2] * lx[i]));
    const df = (p: number[], i: number) => {
      const u = Math.exp(p[1] - p[2] * lx[i]);
      const m = p[0] + u;
      return [1 / m, u / m, (-lx[i] * u) / m];
    };
    // Least squares first (the library minimises Σ (0 − model)², so the model is −residual).
    let p = solve([E, la, alpha], (q) => (i) => f(q, i) - ly[i], (q) => (i) => df(q, i));
    s = opts.scale ?? Math.max(1.345 * robustSigma(ly.map((v, i) => v - f(p, i))), 1e-9);
    if (loss !== 'linear') {
      // Robust loss as scipy's least_squares does it: residuals r are replaced by s·g(r/s) with
      // g(u)² = ρ(u²), so ordinary least squares on the new residuals minimises Σ s²·ρ((r/s)²).
      const scale = s;
      p = solve(
        p,
        (q) => (i) => -scale * rho(loss, (ly[i] - f(q, i)) / scale).g,
        (q) => (i) => {
          const dg = rho(loss, (ly[i] - f(q, i)) / scale).dg;
          return df(q, i).map((d) => dg * d);
        },
      );
    }
    // A bound-constrained LM can stall with E pinned at 0 (its step wants E < 0 and is clipped);
    // the constrained optimum then lies on E = 0, a straight line in log-log: take it when better.
    const cost = (q: number[]) => ly.reduce((acc, v, i) => {
      const u = (v - f(q, i)) / s;
      return acc + (loss === 'linear' ? u * u : rho(loss, u).g ** 2);
    }, 0);
    if (p[0] <= 1e-12 * Math.exp(p[1])) {
      const edge = fitPowerLaw(x, y, { offset: false, loss, scale: s });
      const q = [0, Math.log(edge.A) - edge.alpha * logx0, edge.alpha];
      if (cost(q) < cost(p)) p = q;
    }
    [E, la, alpha] = p;
  }

  const fitted = lx.map((t) => Math.log(E + Math.exp(la - alpha * t)));
  const my = mean(ly);
  let ssr = 0, sst = 0;
  for (let i = 0; i < ly.length; i++) {
    ssr += (ly[i] - fitted[i]) ** 2;
    sst += (ly[i] - my) ** 2;
  }
  if (![E, la, alpha].every(Number.isFinite)) throw new FitError('power-law fit did not converge to finite parameters');
  return {
    E,
    A: Math.exp(la + alpha * logx0),
    alpha,
    offset,
    loss,
    n: x.length,
    r2Log: sst > 0 ? 1 - ssr / sst : 1,
    rmsLog: Math.sqrt(ssr / Math.max(x.length - nParams, 1)),
    robustScale: s,
    iterations,
  };
}

/**
 * Starting point for the offset fit: for each α on a grid, E and A enter linearly, so a
 * relative-error weighted linear fit gives them; keep the α with the lowest log-space error.
 */
function initialGuess(lx: number[], y: number[], ly: number[], start: PowerLawParams | undefined, logx0: number) {
  if (start && Number.isFinite(start.alpha) && start.A > 0) {
    return { E: Math.max(start.E, 0), la: Math.log(start.A) - start.alpha * logx0, alpha: start.alpha };
  }
  let best = { E: 0, la: mean(ly), alpha: 0.5, sse: Infinity };
  const w = y.map((v) => 1 / (v * v));
  for (const a of ALPHA_GRID) {
    const z = lx.map((t) => Math.exp(-a * t));
    const line = fitLine(z, y, w);
    let E0 = line ? line.intercept : 0;
    let B = line ? line.slope : 0;
    if (!line || E0 < 0) {
      let num = 0, den = 0;
      for (let i = 0; i < z.length; i++) { num += w[i] * z[i] * y[i]; den += w[i] * z[i] * z[i]; }
      E0 = 0;
      B = num / den;
    }
    if (!(B > 0)) continue;
    let sse = 0;
    for (let i = 0; i < z.length; i++) sse += (ly[i] - Math.log(E0 + B * z[i])) ** 2;
    if (sse < best.sse) best = { E: E0, la: Math.log(B), alpha: a, sse };
  }
  return best;
}
