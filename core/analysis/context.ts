// What every analysis receives: the sweep's trials and series, its axes, and where to say what
// it skipped (notes) or what the sweep lacks (missing).
import type { TrialRecord } from '../outcome.js';
import type { SeriesMap } from './series.js';

export interface AnalysisContext {
  trials: TrialRecord[];
  series: SeriesMap;
  axes: string[];
  notes: string[];
  missing: string[];
}

/** Distinct numeric values of an axis among the trials. */
export function axisHasValues(ctx: AnalysisContext, values: number[], path: string, min: number, what: string): boolean {
  if (!ctx.axes.includes(path)) {
    ctx.notes.push(`${what}: skipped: the sweep has no axis ${path}`);
    return false;
  }
  if (values.length < min) {
    ctx.notes.push(`${what}: skipped: needs at least ${min} values of ${path} (found ${values.length})`);
    return false;
  }
  return true;
}
