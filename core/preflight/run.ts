// The coord check as a whole: measure, judge, and the record kept in the output folder
// (preflight.json), including whether the user skipped it.
import { measureCoordCheck, type MeasureOptions } from './measure.js';
import type { CoordCheckPlan } from './plan.js';
import type { CoordMeasure } from './sizes.js';
import { coordCheckVerdict, failureLine, PreflightFailed, type CoordCheckResult } from './verdict.js';

export const PREFLIGHT_FILE = 'preflight.json';

/** What preflight.json holds. */
export interface PreflightRecord {
  /** the check's result; null when it was skipped */
  coordCheck: CoordCheckResult | null;
  /** `--skip-preflight`: the sweep ran without its coord check */
  skipped: boolean;
  time: string;
}

export interface RunCoordCheckOptions extends MeasureOptions {
  /** where the sizes come from; default: the built-in trainer (measure.ts) */
  measure?: CoordMeasure;
}

export async function runCoordCheck(plan: CoordCheckPlan, opts: RunCoordCheckOptions = {}): Promise<CoordCheckResult> {
  const started = performance.now();
  const sizes = await (opts.measure ? opts.measure(plan, opts) : measureCoordCheck(plan, opts));
  return coordCheckVerdict(plan, sizes, Math.round(performance.now() - started));
}

/** Lines for the user: one per failing parametrization (empty when the check passed). */
export function failureLines(result: CoordCheckResult): string[] {
  return result.verdicts.filter((v) => !v.ok).map(failureLine);
}

/** Throws PreflightFailed (its message the first failure line) unless the check passed. */
export function assertPassed(result: CoordCheckResult): void {
  const lines = failureLines(result);
  if (lines.length) throw new PreflightFailed(lines.join('\n'), result);
}

/** One line per parametrization for a passing check. */
export function describeResult(result: CoordCheckResult): string[] {
  return result.verdicts.map((v) => v.ok
    ? `coord check ${v.parametrization}: ok (widths ${result.widths[0]}–${result.widths[result.widths.length - 1]}, ${result.steps} steps, ${result.seeds} seeds)`
    : failureLine(v));
}
