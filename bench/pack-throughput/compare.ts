// What bench/pack-throughput checks and derives from its runs: steps actually trained, whether
// the packed and unpacked sweeps agree trial by trial, and how a pack ran (its members one
// after another, or together).
import { PACK_TOLERANCE } from '../../core/train/packed/tolerance.js';
import type { TrialResult } from '../../core/outcome.js';

/** Steps a trial trained: all of them, or up to and including the one whose loss diverged. */
export function stepsTrained(r: TrialResult, steps: number): number {
  if (r.outcome === 'succeeded') return steps;
  if (r.outcome === 'diverged') return Math.min(r.step + 1, steps);
  throw new Error(`trial ${r.trialId} ${r.outcome}: ${r.error ?? 'no error recorded'}`);
}

/** The relative tolerance core/train/packed states for packed vs alone (0: exactly equal). */
export function packTolerance(): number {
  return PACK_TOLERANCE;
}

export interface Agreement {
  ok: boolean;
  /** trials whose outcomes differ */
  outcomeMismatches: number[];
  /** largest relative difference of the final training losses, and its trial */
  worst: number;
  worstTrial: number;
}

/** |a − b| relative to the larger magnitude; 0 for equal values (also equal non-finite ones). */
export function relativeDifference(a: number, b: number): number {
  if (Object.is(a, b) || a === b) return 0;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Infinity;
  const m = Math.max(Math.abs(a), Math.abs(b));
  return Math.abs(a / m - b / m); // scaled first: a − b can overflow where both are finite
}

/** Trial-by-trial agreement of two sweeps' outcomes and final losses; tol null = exactly equal. */
export function agreement(a: { finals: number[]; outcomes: string[] }, b: { finals: number[]; outcomes: string[] }, tol: number | null): Agreement {
  if (a.finals.length !== b.finals.length) throw new Error(`sweeps of ${a.finals.length} and ${b.finals.length} trials cannot be compared`);
  const outcomeMismatches: number[] = [];
  let worst = 0, worstTrial = -1;
  a.finals.forEach((x, i) => {
    if (a.outcomes[i] !== b.outcomes[i]) outcomeMismatches.push(i);
    const d = relativeDifference(x, b.finals[i]);
    if (d > worst) { worst = d; worstTrial = i; }
  });
  return { ok: outcomeMismatches.length === 0 && worst <= (tol ?? 0), outcomeMismatches, worst, worstTrial };
}

/**
 * How a pack ran, from the order of its members' events: 'sequential' when every member's
 * terminal event came before the next member's `started` event, else 'together'.
 */
export function packSchedule(events: ReadonlyArray<{ trial: number; kind: 'started' | 'terminal' }>): 'sequential' | 'together' {
  let open = -1;
  for (const e of events) {
    if (e.kind === 'started') {
      if (open !== -1) return 'together';
      open = e.trial;
    } else if (e.trial === open) {
      open = -1;
    } else {
      return 'together';
    }
  }
  return 'sequential';
}
