// One pack run by the runTrialPack activity, as the pack child workflow (workflows/pack.ts) and
// the sweep workflow itself (pack activities, sweep.ts) both run it: Temporal's retries rerun
// only the members without an outcome; when attempts run out, members without an outcome are
// stored as failed; when cancelled, members without a finished outcome are stored as cancelled.
// Workflow code (deterministic): the commands it issues, and their order, are what recorded
// pack histories replay.
import {
  ActivityFailure, ApplicationFailure, CancellationScope, isCancellation, proxyActivities,
} from '@temporalio/workflow';
import { errorMessage } from '../core/error-message.js';
import {
  type ExecutionPlan, type PackFailureDetails, type PackMemberPlan, type SweepActivities, type SweepOptions,
  type TrialActivityResult, type TrialDone,
} from './types.js';
import { attemptOptions, RECORD_END_OPTIONS } from './trial-activity-options.js';

export interface PackRun {
  sweepId: string;
  members: PackMemberPlan[];
  execution: ExecutionPlan;
  options?: SweepOptions;
}

/**
 * Runs the pack's attempts; returns one TrialDone per member (member order). On cancellation it
 * stores the unfinished members as cancelled, calls `onCancelled` (still non-cancellable) and
 * rethrows the cancellation.
 */
export async function runPack(pack: PackRun, onCancelled?: () => Promise<void>): Promise<TrialDone[]> {
  const o = pack.options ?? {};
  const { sweepId, members, execution } = pack;
  // trialTimeoutMs per member: runPack may train the members one after another
  const { runTrialPack } = proxyActivities<SweepActivities>(attemptOptions(o, execution.maxAttempts, members.length));
  try {
    const results = await runTrialPack({
      sweepId, members, executor: execution.executor, maxAttempts: execution.maxAttempts,
      ...(execution.kubernetes ? { kubernetes: execution.kubernetes } : {}),
    });
    return results.map(toDone);
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(async () => {
        await recordCancelledMembers(sweepId, members);
        await onCancelled?.();
      });
      throw err;
    }
    return await recordFailedMembers(sweepId, members, err, execution.maxAttempts);
  }
}

/** Members that finished keep their stored outcome; the others are stored as cancelled. */
export async function recordCancelledMembers(sweepId: string, members: PackMemberPlan[]): Promise<void> {
  const { recordTrialEnd } = proxyActivities<SweepActivities>(RECORD_END_OPTIONS);
  for (const m of members) {
    await recordTrialEnd({ sweepId, trialId: m.trialId, outcome: 'cancelled', attempt: 1, error: 'trial cancelled', unlessFinished: true });
  }
}

/**
 * Attempts exhausted or not retryable: members without an outcome failed; stored as the trainer
 * would have, so reports built from the event stream see them. Returns every member's end.
 */
export async function recordFailedMembers(sweepId: string, members: PackMemberPlan[], err: unknown, maxAttempts: number): Promise<TrialDone[]> {
  const { recordTrialEnd } = proxyActivities<SweepActivities>(RECORD_END_OPTIONS);
  const { message, attempt, finished } = describeFailure(err, maxAttempts);
  const byId = new Map(finished.map((r) => [r.trialId, r]));
  const done: TrialDone[] = [];
  for (const m of members) {
    const r = byId.get(m.trialId);
    if (r) {
      done.push(toDone(r));
      continue;
    }
    done.push({ trialId: m.trialId, outcome: 'failed', step: 0, attempt, error: message });
    await recordTrialEnd({ sweepId, trialId: m.trialId, outcome: 'failed', attempt, error: message });
  }
  return done;
}

export function toDone(r: TrialActivityResult): TrialDone {
  return { trialId: r.trialId, outcome: r.outcome, step: r.step, attempt: r.attempt, ...(r.error !== undefined ? { error: r.error } : {}) };
}

/** The failure's message, the attempt it ended on and the members that finished anyway. */
export function describeFailure(err: unknown, maxAttempts: number): { message: string; attempt: number; finished: TrialActivityResult[] } {
  let cause: unknown = err;
  if (err instanceof ActivityFailure && err.cause) cause = err.cause;
  if (cause instanceof ApplicationFailure) {
    const d = cause.details?.[0] as Partial<PackFailureDetails> | undefined;
    const attempt = typeof d?.attempt === 'number' ? d.attempt : cause.nonRetryable ? 1 : maxAttempts;
    return { message: cause.message, attempt, finished: Array.isArray(d?.done) ? d.done : [] };
  }
  return { message: errorMessage(cause), attempt: maxAttempts, finished: [] };
}
