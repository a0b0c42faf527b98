// Normal and Student-t quantiles for the interval methods (seed-interval.ts, bootstrap.ts).

/** Standard normal CDF (Abramowitz & Stegun 7.1.26 for erf, |error| < 1.5e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - pl) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/**
 * Student-t CDF for an integer number of degrees of freedom, in closed form (Abramowitz &
 * Stegun 26.7.3 and 26.7.4: a finite series in cos θ, θ = atan(t/√df)).
 */
export function tCdf(t: number, df: number): number {
  const theta = Math.atan(Math.abs(t) / Math.sqrt(df));
  const c2 = Math.cos(theta) ** 2;
  const sin = Math.sin(theta);
  let a: number; // P(|T| ≤ |t|)
  if (df % 2 === 1) {
    let term = Math.cos(theta), sum = df > 1 ? term : 0;
    for (let k = 3; k <= df - 2; k += 2) { term *= ((k - 1) / k) * c2; sum += term; }
    a = (2 / Math.PI) * (theta + sin * sum);
  } else {
    let term = 1, sum = 1;
    for (let k = 2; k <= df - 2; k += 2) { term *= ((k - 1) / k) * c2; sum += term; }
    a = sin * sum;
  }
  return t >= 0 ? 0.5 * (1 + a) : 0.5 * (1 - a);
}

/** Student-t density for an integer number of degrees of freedom. */
function tDensity(t: number, df: number): number {
  // Γ((df+1)/2) / Γ(df/2) by its recurrence from df = 1 and df = 2
  let ratio = df % 2 === 1 ? 1 / Math.sqrt(Math.PI) : Math.sqrt(Math.PI) / 2;
  for (let v = df % 2 === 1 ? 1 : 2; v < df; v += 2) ratio *= (v + 1) / v;
  return (ratio / Math.sqrt(df * Math.PI)) * Math.pow(1 + (t * t) / df, -(df + 1) / 2);
}

/**
 * Student-t quantile: exact for 1 and 2 degrees of freedom; for other integers the
 * Cornish–Fisher expansion polished by Newton steps on the closed-form CDF (to ~1e-10);
 * Cornish–Fisher alone for non-integer degrees of freedom.
 */
export function tQuantile(p: number, df: number): number {
  if (df === 1) return Math.tan(Math.PI * (p - 0.5));
  if (df === 2) return (2 * p - 1) / Math.sqrt(2 * p * (1 - p));
  const z = normalQuantile(p);
  const z3 = z ** 3, z5 = z ** 5, z7 = z ** 7, z9 = z ** 9;
  let t = z
    + (z3 + z) / (4 * df)
    + (5 * z5 + 16 * z3 + 3 * z) / (96 * df ** 2)
    + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3)
    + (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / (92160 * df ** 4);
  if (!Number.isInteger(df) || !Number.isFinite(t)) return t;
  for (let i = 0; i < 8; i++) {
    const step = (tCdf(t, df) - p) / tDensity(t, df);
    t -= step;
    if (Math.abs(step) <= 1e-13 * Math.max(1, Math.abs(t))) break;
  }
  return t;
}
