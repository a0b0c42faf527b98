// The coord check's verdict: the slope of log size on log width per subject, layer, step and
// measure (jackknife-t interval over seeds, core/analysis/seed-interval.ts), compared with the
// expected exponent. One failing entry fails its parametrization, and the preflight.
import { seedIntervals } from '../analysis/seed-interval.js';
import { Rng } from '../rng.js';
import { expectedSlope, layerRole, oneSided, type Measure } from './expected.js';
import type { SubjectSizes } from './sizes.js';
import type { CoordCheckPlan } from './plan.js';

/** One line of summary.json's coordCheck[]. */
export interface CoordCheckEntry {
  parametrization: string;
  /** 0-based; the last layer is the output */
  layer: number;
  step: number;
  measure: Measure;
  /** slope of log (seed-mean size) on log width; null when a size is 0 or not finite */
  slope: number | null;
  /** interval over seeds, [lo, hi]; null with one seed */
  ci: [number, number] | null;
  /** expected slope; null where none is predicted */
  expected: number | null;
  /** whether `ok` compares slope and expected (see judged() below) */
  judged: boolean;
  ok: boolean;
  /** the widths and the seed-mean size at each (the report's coord-check plot) */
  widths: number[];
  sizes: number[];
}

export interface CoordCheckVerdict {
  parametrization: string;
  /** weight layers of the network checked (the last is the output) */
  depth: number;
  ok: boolean;
  /** failing entries, worst (farthest from its expected slope) first */
  failures: CoordCheckEntry[];
}

export interface CoordCheckResult {
  widths: number[];
  steps: number;
  seeds: number;
  tolerance: number;
  lr: number;
  ok: boolean;
  entries: CoordCheckEntry[];
  verdicts: CoordCheckVerdict[];
  /** wall time of the measurement */
  durationMs: number;
}

/** Least-squares slope of log y on log x; null unless every y is positive and finite. */
export function logLogSlope(xs: readonly number[], ys: readonly number[]): number | null {
  if (xs.length < 2 || ys.some((y) => !(y > 0) || !Number.isFinite(y))) return null;
  const lx = xs.map(Math.log), ly = ys.map(Math.log);
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length, my = ly.reduce((a, b) => a + b, 0) / ly.length;
  const sxx = lx.reduce((a, x) => a + (x - mx) ** 2, 0);
  return lx.reduce((a, x, i) => a + (x - mx) * (ly[i] - my), 0) / sxx;
}

const seedMean = (values: readonly number[], idx: readonly number[]) => idx.reduce((a, i) => a + values[i], 0) / idx.length;

/** Judges a slope against its expected value. */
export function judge(slope: number | null, expected: number | null, tolerance: number, atLeast: boolean): boolean {
  if (expected === null) return true;
  if (slope === null) return false;
  return atLeast ? slope >= expected - tolerance : Math.abs(slope - expected) <= tolerance;
}

/**
 * Entries judged against their expected slope: every update, and |h| except the output's. The
 * output's |h| is one Gaussian readout draw per seed (a single coordinate for a regression
 * task): its seed-to-seed spread is of the order of the tolerance, so it is reported only.
 */
export function judged(expected: number | null, layer: number, depth: number, measure: Measure): boolean {
  return expected !== null && (measure === 'dh' || layer < depth - 1);
}

function entry(s: SubjectSizes, plan: CoordCheckPlan, layer: number, step: number, measure: Measure): CoordCheckEntry {
  const perWidth = s[measure][layer][step]; // [width][seed]
  const nSeeds = plan.seeds;
  const all = Array.from({ length: nSeeds }, (_, i) => i);
  const slopeOf = (idx: readonly number[]) => logLogSlope(plan.widths, perWidth.map((v) => seedMean(v, idx)));
  const slope = slopeOf(all);
  let ci: [number, number] | null = null;
  if (slope !== null) {
    const iv = seedIntervals(nSeeds, [slope], (idx) => { const v = slopeOf(idx); return v === null ? null : [v]; },
      { replicates: 200, rng: new Rng(0, 'coord-check', s.subject.name, layer, step, measure) }).intervals[0];
    if (iv) ci = [iv.lo, iv.hi];
  }
  const expected = expectedSlope(s.subject.parametrization, s.subject.optimizer, layerRole(layer, s.depth), measure, step);
  // a one-sided parametrization (SP) is judged only where it is expected to grow
  const atLeast = oneSided(s.subject.parametrization);
  const isJudged = judged(expected, layer, s.depth, measure) && (!atLeast || expected! > 0);
  return {
    parametrization: s.subject.name, layer, step, measure, slope, ci, expected, judged: isJudged,
    ok: !isJudged || judge(slope, expected, plan.tolerance, atLeast),
    widths: plan.widths,
    sizes: perWidth.map((v) => seedMean(v, all)),
  };
}

/** Entries and verdicts from the measured sizes (dh from step 1: at step 0 it is 0). */
export function coordCheckVerdict(plan: CoordCheckPlan, measured: SubjectSizes[], durationMs: number): CoordCheckResult {
  const entries: CoordCheckEntry[] = [];
  const verdicts: CoordCheckVerdict[] = [];
  for (const s of measured) {
    const mine: CoordCheckEntry[] = [];
    for (let step = 0; step <= plan.steps; step++) {
      for (let layer = 0; layer < s.depth; layer++) {
        mine.push(entry(s, plan, layer, step, 'h'));
        if (step > 0) mine.push(entry(s, plan, layer, step, 'dh'));
      }
    }
    const gap = (e: CoordCheckEntry) => (e.slope === null ? Infinity : Math.abs(e.slope - (e.expected ?? e.slope)));
    const failures = mine.filter((e) => !e.ok).sort((a, b) => gap(b) - gap(a));
    verdicts.push({ parametrization: s.subject.name, depth: s.depth, ok: failures.length === 0, failures });
    entries.push(...mine);
  }
  const { widths, steps, seeds, tolerance, lr } = plan;
  return { widths, steps, seeds, tolerance, lr, ok: verdicts.every((v) => v.ok), entries, verdicts, durationMs };
}

const fmt = (v: number | null) => (v === null ? 'n/a' : v.toFixed(2));

/** The one line naming a failing parametrization's worst entry. */
export function failureLine(v: CoordCheckVerdict): string {
  const e = v.failures[0];
  const where = e.layer === v.depth - 1 ? `layer ${e.layer} (output)` : `layer ${e.layer}`;
  const what = e.measure === 'h' ? 'mean |h|' : 'mean |h_t − h_0|';
  const more = v.failures.length > 1 ? ` (and ${v.failures.length - 1} more)` : '';
  return `coord check failed: ${v.parametrization} ${where} step ${e.step}: ${what} slope ${fmt(e.slope)} on log width, expected ${fmt(e.expected)}${more}`;
}

/** The coord check failed: `sweep run` and `sweep coord-check` exit 3, the cluster sweep fails. */
export class PreflightFailed extends Error {
  readonly code = 'PREFLIGHT_FAILED';
  constructor(message: string, readonly result: CoordCheckResult) {
    super(message);
    this.name = 'PreflightFailed';
  }
}
