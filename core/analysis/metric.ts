// Reading one number per trial for the analyses: diverged trials count as +∞ (unusable, and
// they mark an lr as unstable), failed or cancelled trials as absent.
import type { FinalMetrics } from '../messages.js';
import type { TrialRecord } from '../outcome.js';

export type MetricName = 'trainLoss' | 'testLoss' | 'accuracy';

/** Final metric of a trial: finite number, Infinity (diverged) or undefined (no result). */
export function finalMetric(t: TrialRecord, metric: MetricName): number | undefined {
  if (t.outcome === 'diverged') return Infinity;
  if (t.outcome !== 'succeeded') return undefined;
  const v = (t.final as FinalMetrics | undefined)?.[metric];
  if (typeof v !== 'number') return undefined;
  return Number.isFinite(v) ? v : Infinity;
}

/** Mean over seeds where a single diverged seed makes the point unstable (Infinity). */
export function seedMean(values: readonly (number | undefined)[]): { value: number; n: number; diverged: number } {
  let s = 0, n = 0, diverged = 0;
  for (const v of values) {
    if (v === undefined || Number.isNaN(v)) continue;
    if (!Number.isFinite(v)) diverged++;
    else { s += v; n++; }
  }
  if (diverged) return { value: Infinity, n: n + diverged, diverged };
  return { value: n ? s / n : NaN, n, diverged };
}
