// Activity options shared by the trial and pack workflows: the trainer attempt (Temporal's
// retries for infrastructure failures, cancelled only once the trainer has stopped) and the
// store write of an outcome the trainer could not report itself.
import { ActivityCancellationType, type ActivityOptions } from '@temporalio/workflow';
import { NON_RETRYABLE_TYPES, type SweepOptions } from './types.js';

/** Options of a trainer attempt that may run `members` trials (a pack) one after another. */
export function attemptOptions(o: SweepOptions, maxAttempts: number, members = 1): ActivityOptions {
  return {
    startToCloseTimeout: (o.trialTimeoutMs ?? 24 * 3600_000) * members,
    heartbeatTimeout: o.heartbeatTimeoutMs ?? 30_000,
    // The trainer must be stopped before the trial counts as cancelled.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      maximumAttempts: maxAttempts,
      initialInterval: o.retryInitialIntervalMs ?? 5000,
      backoffCoefficient: 2,
      maximumInterval: 5 * 60_000,
      nonRetryableErrorTypes: NON_RETRYABLE_TYPES,
    },
  };
}

export const RECORD_END_OPTIONS: ActivityOptions = {
  startToCloseTimeout: 60_000,
  retry: { maximumAttempts: 20, initialInterval: 1000, maximumInterval: 30_000 },
};
