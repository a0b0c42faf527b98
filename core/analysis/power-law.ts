// Robust fit of L(x) = E + A·x^(−α) (docs/science.md §4.3): nonlinear least squares in log space, so every point counts
// by its relative error, with an optional robust loss on the log residuals (the soft-L1 and Huber
// losses of scipy's least_squares). The objective is not convex in (E, A, α), so the fit starts
// from a global search (a grid over α and E, E = 0 included) and runs Levenberg–Marquardt
// (ml-levenberg-marquardt) from the best few starts; the lowest objective wins.
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
  /** the objective at the fit: Σ s²·ρ((r/s)²) over log residuals r (Σ r² for the linear loss) */
  cost: number;
  iterations: number;
}

export class FitError extends Error {
  override name = 'FitError';
}

export function powerLaw(p: PowerLawParams, x: number): number {
  return p.E + p.A * Math.pow(x, -p.alpha);
}

/** Exponents of the start search, 0.003 .. 10 log-spaced (the fit itself allows 1e-6 .. 20). */
const ALPHA_GRID = Array.from({ length: 64 }, (_, i) => 0.003 * Math.pow(10 / 0.003, i / 63));
/** Offsets of the start search as fractions of the smallest observed loss (0 is the boundary). */
const E_FRACTIONS = [0, 0.3, 0.6, 0.85, 0.95, 0.99];
/** Levenberg–Marquardt runs from this many of the best grid starts (plus the E = 0 fit) in the
 *  least-squares fit, and from the best one plus the least-squares optimum in the robust fit. */
const STARTS = 3;
/** Converged when a round of LM iterations lowers the objective by less than this fraction. */
const FTOL = 1e-12;
const [LA_MIN, LA_MAX] = [-60, 60];
const [ALPHA_MIN, ALPHA_MAX] = [1e-6, 20];
const E_LOG_MAX = Math.log(1e12);

/** Weight of a residual in iteratively reweighted least squares (pure power law). */
function robustWeights(r: number[], s: number, loss: RobustLoss): number[] {
  return r.map((ri) => {
    const z = ri / s;
    if (loss === 'soft-l1') return 1 / Math.sqrt(1 + z * z);
    if (loss === 'huber') return Math.abs(z) <= 1 ? 1 : 1 / Math.abs(z);
    return 1;
  });
}

/** s²·ρ((r/s)²), a residual's share of the objective. */
function lossOf(loss: RobustLoss, r: number, s: number): number {
  if (loss === 'linear') return r * r;
  const z = (r / s) ** 2;
  if (loss === 'huber') return s * s * (z <= 1 ? z : 2 * Math.sqrt(z) - 1);
  return s * s * 2 * (Math.sqrt(1 + z) - 1);
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

/** The exact fit on the boundary E = 0, and the offset below which a point counts as on it. */
interface Edge {
  cost: number;
  eNear: number;
}

/** The log-space problem in parameters p = [E, log A at the centre of log x, α]. */
interface Problem {
  lx: number[];
  ly: number[];
  loss: RobustLoss;
  /** robust scale (unused for the linear loss) */
  s: number;
}

const logModel = (p: readonly number[], t: number) => Math.log(p[0] + Math.exp(p[1] - p[2] * t));

/** Σ s²·ρ((r/s)²), the sum of squares of the residuals LM works on; Infinity off the domain. */
function costOf(pr: Problem, p: readonly number[]): number {
  let c = 0;
  for (let i = 0; i < pr.lx.length; i++) {
    const r = pr.ly[i] - logModel(p, pr.lx[i]);
    c += lossOf(pr.loss, r, pr.s);
  }
  return Number.isFinite(c) ? c : Infinity;
}

/**
 * Levenberg–Marquardt from p0 until the objective stops falling. LM works on log E instead of
 * E: the library keeps bounds by clipping steps, and a step clipped at E = 0 comes out too short
 * to lower the objective, which stalls the fit next to the boundary. E = 0 itself is the exact
 * boundary fit that fitOffset scores separately, and LM starts no closer to it than
 * `edge.eNear`. The library stops only on an absolute error target, so it runs in rounds of a
 * few iterations; a round that does not lower the objective is retried with stronger damping
 * (shorter, more gradient-like steps). The fit ends when a round at normal damping lowers the
 * objective by less than FTOL of itself, or no damping lowers it.
 */
function descend(pr: Problem, p0: readonly number[], edge: Edge): { p: number[]; cost: number; iterations: number } {
  const eFloor = 1e-9 * edge.eNear;
  const { lx, ly, loss, s } = pr;
  const index = lx.map((_, i) => i);
  const zeros = lx.map(() => 0);
  const toP = (q: readonly number[]) => [Math.exp(q[0]), q[1], q[2]];
  const min = [Math.log(eFloor), LA_MIN, ALPHA_MIN];
  const max = [E_LOG_MAX, LA_MAX, ALPHA_MAX];
  const jacobianAt = (q: readonly number[]) => {
    const E = Math.exp(q[0]);
    return (i: number) => {
      const u = Math.exp(q[1] - q[2] * lx[i]);
      const m = E + u;
      const dg = loss === 'linear' ? 1 : rho(loss, (ly[i] - Math.log(m)) / s).dg;
      return [(dg * E) / m, (dg * u) / m, (-dg * lx[i] * u) / m];
    };
  };
  let q = [Math.log(Math.max(p0[0], edge.eNear)), p0[1], p0[2]].map((v, k) => Math.min(Math.max(v, min[k]), max[k]));
  let cost = costOf(pr, toP(q));
  let iterations = 0;
  let damping = 1e-3;
  for (let round = 0; round < 100; round++) {
    // The library damps with a multiple of the identity; scaling each parameter by its Jacobian
    // column's norm at the round's start makes that Marquardt's scale-invariant damping.
    const j0 = jacobianAt(q);
    const norms = [0, 0, 0];
    for (const i of index) j0(i).forEach((d, k) => { norms[k] += d * d; });
    const top = Math.max(...norms);
    const c = norms.map((v) => Math.sqrt(Math.max(v, 1e-24 * top, 1e-300)));
    const unscale = (v: readonly number[]) => v.map((vk, k) => vk / c[k]);
    // The library minimises Σ (0 − model)², so the model is minus the (robust) residual.
    const model = (v: number[]) => {
      const p = toP(unscale(v));
      return (i: number) => {
        const r = ly[i] - logModel(p, lx[i]);
        return loss === 'linear' ? -r : -s * rho(loss, r / s).g;
      };
    };
    const jacobian = (v: number[]) => {
      const j = jacobianAt(unscale(v));
      return (i: number) => j(i).map((d, k) => d / c[k]);
    };
    const res = levenbergMarquardt({ x: index, y: zeros }, model, {
      initialValues: q.map((v, k) => v * c[k]), jacobianFunction: jacobian, damping, maxIterations: 6,
      errorTolerance: 1e-300, minValues: min.map((v, k) => v * c[k]), maxValues: max.map((v, k) => v * c[k]),
    });
    iterations += res.iterations;
    const next = unscale(res.parameterValues);
    const cNext = costOf(pr, toP(next));
    if (cNext < cost) {
      const drop = cost - cNext;
      const falling = next[0] < q[0];
      q = next;
      cost = cNext;
      if (drop <= FTOL * cost + 1e-300 && damping <= 1e-3) break;
      // Near E = 0 a descent towards the boundary crawls (log E moves the model less and less);
      // once it is there and no better than the exact boundary fit, that fit is where it leads.
      if (falling && Math.exp(q[0]) < edge.eNear && cost >= edge.cost) break;
      damping = Math.max(1e-3, damping / 100);
    } else if (damping < 1e7) {
      damping *= 100;
    } else {
      break; // no step length lowers the objective: a minimum
    }
  }
  return { p: toP(q), cost, iterations };
}

/** Robust straight-line fit of log y on centred log x (the pure power law, or E = 0). */
function fitLogLine(lx: number[], ly: number[], loss: RobustLoss, scale: number | undefined): { la: number; alpha: number; s: number; iterations: number } {
  let line = fitLine(lx, ly)!;
  const r0 = ly.map((v, i) => v - (line.intercept + line.slope * lx[i]));
  const s = scale ?? Math.max(1.345 * robustSigma(r0), 1e-9);
  let iterations = 1;
  // Iteratively reweighted least squares: the soft-L1 and Huber losses are convex in the
  // residual, so this converges to the unique minimum.
  for (; loss !== 'linear' && iterations <= 200; iterations++) {
    const r = ly.map((v, i) => v - (line.intercept + line.slope * lx[i]));
    const next = fitLine(lx, ly, robustWeights(r, s, loss))!;
    const change = Math.abs(next.slope - line.slope) + Math.abs(next.intercept - line.intercept);
    line = next;
    if (change < 1e-13) break;
  }
  return { la: line.intercept, alpha: -line.slope, s, iterations };
}

/** Robust location of values (log A at a fixed exponent), by reweighting like fitLogLine. */
function robustLocation(v: number[], loss: RobustLoss, s: number): number {
  let m = mean(v);
  for (let k = 0; loss !== 'linear' && k < 200; k++) {
    const w = robustWeights(v.map((x) => x - m), s, loss);
    const next = v.reduce((acc, x, i) => acc + w[i] * x, 0) / w.reduce((a, b) => a + b, 0);
    const change = Math.abs(next - m);
    m = next;
    if (change < 1e-13) break;
  }
  return m;
}

/**
 * Starts for the offset fit: for each α of the grid and each E of the grid (fractions of the
 * smallest loss, E = 0 included), the amplitude minimises the relative-error weighted squares in
 * closed form, as do E and A together for each α; every start is scored by the objective itself.
 * The best `count` starts, at distinct α, are returned.
 */
function gridStarts(pr: Problem, y: number[], count: number): number[][] {
  const { lx, ly } = pr;
  const w = y.map((v) => 1 / (v * v));
  const yMin = Math.min(...y);
  const scored: { p: number[]; cost: number; a: number }[] = [];
  ALPHA_GRID.forEach((alpha, a) => {
    const z = lx.map((t) => Math.exp(-alpha * t));
    const add = (E: number, B: number) => {
      if (!(B > 0) || !(E >= 0)) return;
      const p = [E, Math.log(B), alpha];
      scored.push({ p, cost: costOf(pr, p), a });
    };
    // E = 0: least squares of log y = log A − α·t in closed form
    add(0, Math.exp(mean(ly.map((v, i) => v + alpha * lx[i]))));
    for (const f of E_FRACTIONS.slice(1)) {
      const E = f * yMin;
      let num = 0, den = 0;
      for (let i = 0; i < z.length; i++) { num += w[i] * z[i] * (y[i] - E); den += w[i] * z[i] * z[i]; }
      add(E, num / den);
    }
    const line = fitLine(z, y, w);
    if (line) add(line.intercept, line.slope);
  });
  scored.sort((u, v) => u.cost - v.cost);
  const out: number[][] = [];
  const used = new Set<number>();
  for (const c of scored) {
    if (used.has(c.a)) continue;
    used.add(c.a);
    out.push(c.p);
    if (out.length === count) break;
  }
  return out;
}

/** The best local minimum of the offset fit over the grid starts, the E = 0 fit and `extra`. */
function fitOffset(pr: Problem, y: number[], extra: number[][], count: number): { p: number[]; cost: number; iterations: number } {
  const edge = fitLogLine(pr.lx, pr.ly, pr.loss, pr.s);
  let iterations = edge.iterations;
  // On the boundary E = 0 the problem is a straight line in log-log, solved exactly; it is a
  // candidate in its own right (LM's clipped steps can stall next to it) and a start. A slope
  // outside the exponent's bounds (loss flat or rising) is held at the bound, and log A refitted.
  const alpha = Math.min(Math.max(edge.alpha, ALPHA_MIN), ALPHA_MAX);
  const la = alpha === edge.alpha ? edge.la : robustLocation(pr.ly.map((v, i) => v + alpha * pr.lx[i]), pr.loss, pr.s);
  const boundary = [0, la, alpha];
  let best = { p: boundary, cost: costOf(pr, boundary) };
  // An offset of 0.1% of the smallest loss moves log L by at most 1e-3: next to the boundary.
  const e: Edge = { cost: best.cost, eNear: 1e-3 * Math.min(...y) };
  for (const p0 of [boundary, ...extra, ...gridStarts(pr, y, count)]) {
    const r = descend(pr, p0, e);
    iterations += r.iterations;
    if (r.cost < best.cost) best = r;
  }
  return { ...best, iterations };
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

  let p: number[], s: number, iterations: number;
  if (!offset) {
    const line = fitLogLine(lx, ly, loss, opts.scale);
    p = [0, line.la, line.alpha];
    s = line.s;
    iterations = line.iterations;
  } else {
    // Least squares first: its residuals set the robust scale, and its optimum is one more start.
    const ls = fitOffset({ lx, ly, loss: 'linear', s: 1 }, y, [], STARTS);
    iterations = ls.iterations;
    p = ls.p;
    s = opts.scale ?? Math.max(1.345 * robustSigma(ly.map((v, i) => v - logModel(ls.p, lx[i]))), 1e-9);
    if (loss !== 'linear') {
      const robust = fitOffset({ lx, ly, loss, s }, y, [ls.p], 1);
      iterations += robust.iterations;
      p = robust.p;
    }
  }
  const [E, la, alpha] = p;
  if (![E, la, alpha].every(Number.isFinite)) throw new FitError('power-law fit did not converge to finite parameters');
  const fitted = lx.map((t) => logModel(p, t));
  const my = mean(ly);
  let ssr = 0, sst = 0;
  for (let i = 0; i < ly.length; i++) {
    ssr += (ly[i] - fitted[i]) ** 2;
    sst += (ly[i] - my) ** 2;
  }
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
    cost: costOf({ lx, ly, loss, s }, p),
    iterations,
  };
}
