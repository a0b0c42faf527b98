// The pack workflow: trials that train together in one process (execution.pack), run by the
// runTrialPack activity with Temporal's retries; an attempt reruns only the members without an
// outcome (the activity reads what earlier attempts stored). It returns one TrialDone per
// member, in member order, so the sweep counts trials, not packs. Like a trial workflow, it
// reports by signal (one trialDone per member) when its sweep asked for that at a hand-over.
import {
  ActivityFailure, ApplicationFailure, CancellationScope, getExternalWorkflowHandle,
  isCancellation, proxyActivities, setHandler,
} from '@temporalio/workflow';
import { errorMessage } from '../core/error-message.js';
import { reportBySignal, trialDoneSignal } from './definitions.js';
import {
  type PackFailureDetails, type PackInput, type SweepActivities, type TrialActivityResult, type TrialDone,
} from './types.js';
import { attemptOptions, RECORD_END_OPTIONS } from './trial-activity-options.js';

export async function packWorkflow(input: PackInput): Promise<TrialDone[]> {
  const o = input.options ?? {};
  // trialTimeoutMs per member: runPack may train the members one after another
  const { runTrialPack } = proxyActivities<SweepActivities>(attemptOptions(o, input.execution.maxAttempts, input.members.length));
  const { recordTrialEnd } = proxyActivities<SweepActivities>(RECORD_END_OPTIONS);

  let viaSignal = false;
  setHandler(reportBySignal, () => { viaSignal = true; });
  const { sweepId, members } = input;

  let done: TrialDone[];
  try {
    const results = await runTrialPack({
      sweepId, members, executor: input.execution.executor, maxAttempts: input.execution.maxAttempts,
      ...(input.execution.kubernetes ? { kubernetes: input.execution.kubernetes } : {}),
    });
    done = results.map(toDone);
  } catch (err) {
    if (isCancellation(err)) {
      // Members that finished keep their stored outcome; the others are stored as cancelled.
      await CancellationScope.nonCancellable(async () => {
        for (const m of members) {
          await recordTrialEnd({ sweepId, trialId: m.trialId, outcome: 'cancelled', attempt: 1, error: 'trial cancelled', unlessFinished: true });
        }
        if (viaSignal) for (const m of members) await report(input, { trialId: m.trialId, outcome: 'cancelled', step: 0, attempt: 0 });
      });
      throw err;
    }
    // Attempts exhausted or not retryable: members without an outcome failed; stored as the
    // trainer would have, so reports built from the event stream see them.
    const { message, attempt, finished } = describeFailure(err, input.execution.maxAttempts);
    const byId = new Map(finished.map((r) => [r.trialId, r]));
    done = [];
    for (const m of members) {
      const r = byId.get(m.trialId);
      if (r) {
        done.push(toDone(r));
        continue;
      }
      done.push({ trialId: m.trialId, outcome: 'failed', step: 0, attempt, error: message });
      await recordTrialEnd({ sweepId, trialId: m.trialId, outcome: 'failed', attempt, error: message });
    }
  }
  if (viaSignal) for (const d of done) await report(input, d);
  return done;
}

function toDone(r: TrialActivityResult): TrialDone {
  return { trialId: r.trialId, outcome: r.outcome, step: r.step, attempt: r.attempt, ...(r.error !== undefined ? { error: r.error } : {}) };
}

async function report(input: PackInput, done: TrialDone): Promise<void> {
  try {
    await getExternalWorkflowHandle(input.parentId).signal(trialDoneSignal, done);
  } catch {
    // The sweep is gone (terminated): nobody to tell.
  }
}

function describeFailure(err: unknown, maxAttempts: number): { message: string; attempt: number; finished: TrialActivityResult[] } {
  let cause: unknown = err;
  if (err instanceof ActivityFailure && err.cause) cause = err.cause;
  if (cause instanceof ApplicationFailure) {
    const d = cause.details?.[0] as Partial<PackFailureDetails> | undefined;
    const attempt = typeof d?.attempt === 'number' ? d.attempt : cause.nonRetryable ? 1 : maxAttempts;
    return { message: cause.message, attempt, finished: Array.isArray(d?.done) ? d.done : [] };
  }
  return { message: errorMessage(cause), attempt: maxAttempts, finished: [] };
}
