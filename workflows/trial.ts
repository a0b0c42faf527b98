// The trial workflow: one trial, run by the runTrial activity with Temporal's retries for
// infrastructure failures (crashed or evicted trainer, lost worker, NATS unavailable). Diverged
// trials are results, not failures; invalid configs fail without retry. Its result reaches the
// sweep run that started it; if that run continues as new first, it asks the trial to report
// by signal (trialDone) to whichever run is current when it ends.
import {
  ActivityFailure, ApplicationFailure, CancellationScope, getExternalWorkflowHandle,
  isCancellation, patched, proxyActivities, setHandler,
} from '@temporalio/workflow';
import { errorMessage } from '../core/error-message.js';
import { reportBySignal, trialDoneSignal } from './definitions.js';
import { type SweepActivities, type TrialDone, type TrialInput } from './types.js';
import { attemptOptions, RECORD_END_OPTIONS } from './trial-activity-options.js';

export async function trialWorkflow(input: TrialInput): Promise<TrialDone> {
  const o = input.options ?? {};
  const { runTrial } = proxyActivities<SweepActivities>(attemptOptions(o, input.execution.maxAttempts));
  const { recordTrialEnd } = proxyActivities<SweepActivities>(RECORD_END_OPTIONS);

  let viaSignal = false;
  setHandler(reportBySignal, () => { viaSignal = true; });

  let done: TrialDone;
  try {
    const r = await runTrial({
      sweepId: input.sweepId, trialId: input.trialId, config: input.config, executor: input.execution.executor,
      maxAttempts: input.execution.maxAttempts, ...(input.execution.kubernetes ? { kubernetes: input.execution.kubernetes } : {}),
      ...(input.execution.trainer ? { trainer: input.execution.trainer } : {}),
    });
    done = { trialId: r.trialId, outcome: r.outcome, step: r.step, attempt: r.attempt, ...(r.error !== undefined ? { error: r.error } : {}) };
  } catch (err) {
    if (isCancellation(err)) {
      // Stored like a trainer's outcome, so the report counts the cancelled trials as status does
      // (patched: histories recorded before this replay without the activity).
      if (patched('record-cancelled-trials')) {
        await CancellationScope.nonCancellable(() => recordTrialEnd({ sweepId: input.sweepId, trialId: input.trialId, outcome: 'cancelled', attempt: 1, error: 'trial cancelled' }));
      }
      if (viaSignal) await CancellationScope.nonCancellable(() => report(input, { trialId: input.trialId, outcome: 'cancelled', step: 0, attempt: 0 }));
      throw err;
    }
    // Attempts exhausted or not retryable: the trial failed. Store the outcome as the trainer
    // would have, so reports built from the event stream see it.
    const { message, attempt } = describeFailure(err, input.execution.maxAttempts);
    done = { trialId: input.trialId, outcome: 'failed', step: 0, attempt, error: message };
    await recordTrialEnd({ sweepId: input.sweepId, trialId: input.trialId, outcome: 'failed', attempt, error: message });
  }
  if (viaSignal) await report(input, done);
  return done;
}

async function report(input: TrialInput, done: TrialDone): Promise<void> {
  try {
    await getExternalWorkflowHandle(input.parentId).signal(trialDoneSignal, done);
  } catch {
    // The sweep is gone (terminated): nobody to tell.
  }
}

function describeFailure(err: unknown, maxAttempts: number): { message: string; attempt: number } {
  let cause: unknown = err;
  if (err instanceof ActivityFailure && err.cause) cause = err.cause;
  if (cause instanceof ApplicationFailure) {
    const d = cause.details?.[0] as { attempt?: number } | undefined;
    const attempt = typeof d?.attempt === 'number' ? d.attempt : cause.nonRetryable ? 1 : maxAttempts;
    return { message: cause.message, attempt };
  }
  return { message: errorMessage(cause), attempt: maxAttempts };
}
