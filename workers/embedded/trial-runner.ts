// What the embedded runner asks of whatever runs its trials: the built-in worker pool or the
// command pool. A run resolves with the result and the attempt that produced it, or null when
// the runner stopped first.
import type { TrialResult } from '../../core/outcome.js';

export interface TrialRun {
  result: TrialResult;
  attempt: number;
}
