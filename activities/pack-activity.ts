// The runTrialPack activity: one attempt of a pack of trials. It hands the executor a pack
// launch (one trainer process, or one Kubernetes Job, trains every member it names via runPack),
// heartbeats, and then reads each member's outcome back from SWEEP_EVENTS. An attempt after a
// failed one reruns only the members without an outcome stored by an earlier attempt (a
// diverged member is a result and never reruns), so no finished member's metrics are
// produced twice. A failure carries the members that did finish (PackFailureDetails), so the
// pack workflow keeps their results when attempts run out.
import { ApplicationFailure, activityInfo, cancelled } from '@temporalio/activity';
import type { PackActivityInput, PackFailureDetails, PackMemberPlan, TrialActivityResult } from '../workflows/types.js';
import { TRAINER_EXIT, type AnyTrialLaunch } from './executor.js';
import { callHook } from './telemetry.js';
import { storedTrialResult } from '../store/stored-result.js';
import { runOnExecutor, trainerNats } from './attempt-run.js';
import { firstLine } from '../core/error-message.js';
import type { TrialActivityDeps } from './trial-activity.js';

export function packActivities(deps: TrialActivityDeps) {
  return {
    async runTrialPack(input: PackActivityInput): Promise<TrialActivityResult[]> {
      const { attempt } = activityInfo();
      const first = input.members[0];
      const who = { sweepId: input.sweepId, trialId: first.trialId, attempt, executor: input.executor };
      const executor = deps.executors.get(input.executor);
      if (!executor) {
        throw packFailure(deps, who, [], 'UnknownExecutor', false,
          `executor "${input.executor}" is not available on this worker (it has: ${[...deps.executors.keys()].join(', ') || 'none'})`);
      }
      // What earlier attempts finished stays finished; a failed member reruns while attempts remain.
      const done = new Map<string, TrialActivityResult>();
      if (attempt > 1) {
        for (const m of input.members) {
          const r = await storedTrialResult(deps.nc, input.sweepId, m.trialId);
          if (r && (r.outcome === 'succeeded' || r.outcome === 'diverged')) done.set(m.trialId, r);
        }
      }
      const todo = input.members.filter((m) => !done.has(m.trialId));
      if (todo.length) await runAttempt(deps, input, todo, attempt, done);
      return input.members.map((m) => done.get(m.trialId)!);
    },
  };
}

async function runAttempt(deps: TrialActivityDeps, input: PackActivityInput, todo: PackMemberPlan[], attempt: number, done: Map<string, TrialActivityResult>): Promise<void> {
  // The pack's first member names every attempt's process, Job and credential (whether or not
  // it reruns), so a retried attempt finds a Job an earlier attempt left running and follows it.
  const lead = input.members[0];
  const who = { sweepId: input.sweepId, trialId: lead.trialId, attempt, executor: input.executor };
  const executor = deps.executors.get(input.executor)!;
  const launch: AnyTrialLaunch = {
    sweepId: input.sweepId, trialId: lead.trialId, attempt, config: lead.config, pack: todo, nats: trainerNats(deps),
    ...(input.kubernetes ? { kubernetes: input.kubernetes } : {}),
  };
  const credential = await deps.trialCredentials?.issue(input.sweepId, lead.trialId, attempt, todo.map((m) => m.trialId).filter((id) => id !== lead.trialId));
  const { outcome, signal, t0 } = await runOnExecutor(deps, executor, launch, credential, who, todo.map((m) => m.trialId));
  if (signal.aborted) await cancelled();

  // Whatever the process's end, the members that stored an outcome in this attempt have one.
  const failed: TrialActivityResult[] = [];
  for (const m of todo) {
    const r = await storedTrialResult(deps.nc, input.sweepId, m.trialId);
    if (!r || r.attempt !== attempt || r.outcome === 'cancelled') continue;
    if (r.outcome === 'failed' && attempt < input.maxAttempts) {
      failed.push(r); // an error inside training: another attempt may not hit it
      continue;
    }
    done.set(m.trialId, r);
    callHook(deps.hooks, 'trialFinished', { ...who, trialId: m.trialId, outcome: r.outcome, durationMs: Date.now() - t0 });
  }
  const finished = [...done.values()];
  if (outcome.exitCode === TRAINER_EXIT.ok && !outcome.failure) {
    const missing = todo.filter((m) => !done.has(m.trialId) && !failed.some((f) => f.trialId === m.trialId));
    if (missing.length) {
      throw packFailure(deps, who, finished, 'result-missing', true,
        `the trainer exited normally but SWEEP_EVENTS holds no outcome for trial${missing.length > 1 ? 's' : ''} ${missing.map((m) => m.trialId).join(', ')}`);
    }
    if (failed.length) {
      throw packFailure(deps, who, finished, 'trial-failed', true, `${failed.length} of ${todo.length} trials failed: ${failed[0].error ?? 'no message'}`);
    }
    return;
  }
  const f = outcome.failure ?? { kind: 'crashed', retryable: true, message: `trainer exited with code ${outcome.exitCode}` };
  const invalid = outcome.exitCode === TRAINER_EXIT.invalid;
  const tail = f.logTail?.length ? `\n${f.logTail.slice(-10).join('\n')}` : '';
  throw packFailure(deps, who, finished, invalid ? 'InvalidConfig' : f.kind, f.retryable && !invalid, `${f.message}${tail}`);
}

function packFailure(
  deps: TrialActivityDeps, who: { sweepId: string; trialId: string; attempt: number; executor: string },
  done: TrialActivityResult[], type: string, retryable: boolean, message: string,
): ApplicationFailure {
  callHook(deps.hooks, 'trialAttemptFailed', { ...who, kind: type, retryable, message: firstLine(message) });
  const details: PackFailureDetails = { attempt: who.attempt, done };
  return ApplicationFailure.create({ type, message, nonRetryable: !retryable, details: [details] });
}
