// Small numerical helpers shared by the analyses: means, quantiles, least-squares lines.

export function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

export function mean(xs: readonly number[]): number {
  if (!xs.length) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/** Quantile with linear interpolation between order statistics (R type 7, numpy's default). */
export function quantile(xs: readonly number[], q: number): number {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const h = (v.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return v[lo] + (h - lo) * (v[hi] - v[lo]);
}

export function std(xs: readonly number[]): number {
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) ** 2;
  return Math.sqrt(s / (xs.length - 1));
}

/** Median absolute deviation scaled to a normal σ (1.4826 · MAD). */
export function robustSigma(xs: readonly number[]): number {
  const m = median(xs);
  return 1.4826 * median(xs.map((x) => Math.abs(x - m)));
}

export interface Line {
  slope: number;
  intercept: number;
  /** coefficient of determination of the (weighted) fit */
  r2: number;
}

/** Weighted least-squares line y ≈ intercept + slope·x; null when x has no spread. */
export function fitLine(x: readonly number[], y: readonly number[], w?: readonly number[]): Line | null {
  const n = x.length;
  if (n < 2 || y.length !== n) return null;
  let sw = 0, sx = 0, sy = 0;
  for (let i = 0; i < n; i++) {
    const wi = w ? w[i] : 1;
    sw += wi; sx += wi * x[i]; sy += wi * y[i];
  }
  const mx = sx / sw;
  const my = sy / sw;
  let sxx = 0, sxy = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    const wi = w ? w[i] : 1;
    sxx += wi * (x[i] - mx) ** 2;
    sxy += wi * (x[i] - mx) * (y[i] - my);
    syy += wi * (y[i] - my) ** 2;
  }
  if (!(sxx > 0)) return null;
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const r2 = syy > 0 ? (sxy * sxy) / (sxx * syy) : 1;
  return { slope, intercept, r2 };
}

/** Distinct finite values, ascending. */
export function distinctSorted(xs: readonly number[]): number[] {
  return [...new Set(xs.filter(Number.isFinite))].sort((a, b) => a - b);
}

/** Round to 12 significant digits so generated grid values and literals compare equal. */
export function roundSig(v: number, digits = 12): number {
  return Number.isFinite(v) && v !== 0 ? Number(v.toPrecision(digits)) : v;
}

/** Significant-digit rounding for numbers written to summary.json (keeps it readable). */
export function tidy(v: number | null | undefined, digits = 6): number | null {
  if (v === null || v === undefined || !Number.isFinite(v)) return null;
  return Number(v.toPrecision(digits));
}
