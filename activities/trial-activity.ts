// The runTrial activity: hands one attempt to the executor the spec names, heartbeats its
// progress, and once the trainer has exited reads the trial's outcome back from SWEEP_EVENTS.
// Failures carry the type the trial workflow's retry policy decides on: infrastructure
// problems are retried, invalid configs are not, a diverged trial is a result.
import type { NatsConnection } from '@nats-io/transport-node';
import { ApplicationFailure, activityInfo, cancelled } from '@temporalio/activity';
import type { TrialActivityInput, TrialActivityResult } from '../workflows/types.js';
import type { TrialExecutor, AnyTrialLaunch } from './executor.js';
import { TRAINER_EXIT } from './executor.js';
import { lastTrialEvent, readTrialEvents } from '../store/reader.js';
import { JetStreamPublisher } from '../store/publisher.js';
import { callHook, type TelemetryHooks } from './telemetry.js';
import { resultFromEvents } from '../store/trial-result.js';
import { firstLine } from '../core/error-message.js';
import type { NatsAuth } from '../core/nats-auth.js';
import type { TrialCredentialIssuer } from './trial-credentials.js';
import { isCommandTrial } from '../core/config/command-trial.js';
import { judgeCommandAttempt } from './command-judge.js';
import { storedTrialResult } from '../store/stored-result.js';
import { runOnExecutor, trainerNats } from './attempt-run.js';

export type ExecutorRegistry = ReadonlyMap<string, TrialExecutor>;

export interface TrialActivityDeps {
  nc: NatsConnection;
  /** NATS servers as the trainers must see them (pods may need another address than the worker) */
  trainerNatsServers: string[];
  /** NATS TLS and credentials trainers use when no per-trial credential is issued (files they can read) */
  trainerNatsAuth?: NatsAuth;
  /** issues each attempt its own least-privilege credential (the worker holds an account signing key) */
  trialCredentials?: TrialCredentialIssuer;
  /** executors by the name specs use in execution.executor */
  executors: ExecutorRegistry;
  hooks?: TelemetryHooks;
}

export function trialActivities(deps: TrialActivityDeps) {
  return {
    async runTrial(input: TrialActivityInput): Promise<TrialActivityResult> {
      const { attempt } = activityInfo();
      const executor = deps.executors.get(input.executor);
      if (!executor) {
        throw ApplicationFailure.create({
          type: 'UnknownExecutor', nonRetryable: true, details: [{ attempt }],
          message: `executor "${input.executor}" is not available on this worker (it has: ${[...deps.executors.keys()].join(', ') || 'none'})`,
        });
      }
      const launch: AnyTrialLaunch = {
        sweepId: input.sweepId, trialId: input.trialId, attempt, config: input.config, nats: trainerNats(deps),
        ...(input.kubernetes ? { kubernetes: input.kubernetes } : {}),
        ...(input.trainer ? { trainer: input.trainer } : {}),
      };
      const credential = await deps.trialCredentials?.issue(input.sweepId, input.trialId, attempt);
      const who = { sweepId: input.sweepId, trialId: input.trialId, attempt, executor: input.executor };
      const { outcome, signal, t0 } = await runOnExecutor(deps, executor, launch, credential, who, [input.trialId]);
      // Cancelled (by the sweep, or timed out by the server): the executor has stopped the trainer.
      if (signal.aborted) await cancelled();

      if (outcome.exitCode === TRAINER_EXIT.ok && !outcome.failure && isCommandTrial(input.config)) {
        // A command trainer's outcome, as the protocol judges it; never retried (a crash is an exit code).
        const result = await judgeCommandAttempt(deps.nc, who, Date.now() - t0);
        callHook(deps.hooks, 'trialFinished', { ...who, outcome: result.outcome, durationMs: Date.now() - t0 });
        return { trialId: input.trialId, outcome: result.outcome, step: result.step, attempt, ...(result.error !== undefined ? { error: result.error } : {}) };
      }
      if (outcome.exitCode === TRAINER_EXIT.ok && !outcome.failure) {
        // The terminal event is normally the trial's last one (one request); if a retried
        // publish stored an earlier event after it, read them all.
        const last = await lastTrialEvent(deps.nc, input.sweepId, input.trialId);
        const result = resultFromEvents(input.trialId, last && last.event !== 'started' ? [last] : await readTrialEvents(deps.nc, input.sweepId, input.trialId));
        if (!result || result.outcome === 'cancelled') {
          throw attemptFailure(deps, who, 'result-missing', true, `the trainer exited normally but SWEEP_EVENTS holds no outcome for trial ${input.trialId}`);
        }
        if (result.outcome === 'failed' && attempt < input.maxAttempts) {
          // An error inside training: another attempt may not hit it (a flaky mount, a device reset).
          throw attemptFailure(deps, who, 'trial-failed', true, `trial failed: ${result.error ?? 'no message'}`);
        }
        callHook(deps.hooks, 'trialFinished', { ...who, outcome: result.outcome, durationMs: Date.now() - t0 });
        return {
          trialId: input.trialId, outcome: result.outcome, step: result.step, attempt: result.attempt,
          ...(result.error !== undefined ? { error: result.error } : {}),
        };
      }
      const f = outcome.failure ?? { kind: 'crashed', retryable: true, message: `trainer exited with code ${outcome.exitCode}` };
      const invalid = outcome.exitCode === TRAINER_EXIT.invalid;
      const tail = f.logTail?.length ? `\n${f.logTail.slice(-10).join('\n')}` : '';
      throw attemptFailure(deps, who, invalid ? 'InvalidConfig' : f.kind, f.retryable && !invalid, `${f.message}${tail}`);
    },

    /** Stores the terminal event of a trial whose trainer could not (attempts exhausted, or cancelled). */
    async recordTrialEnd(input: { sweepId: string; trialId: string; outcome: 'failed' | 'cancelled'; attempt: number; error: string; unlessFinished?: boolean }): Promise<void> {
      // a pack's member that finished before the pack was stopped keeps its outcome
      if (input.unlessFinished) {
        const r = await storedTrialResult(deps.nc, input.sweepId, input.trialId);
        if (r && (r.outcome === 'succeeded' || r.outcome === 'diverged')) return;
      }
      let attempt = input.attempt;
      if (input.outcome === 'cancelled') {
        // the workflow does not know which attempt was stopped: the latest stored one (so this is its outcome)
        for (const e of await readTrialEvents(deps.nc, input.sweepId, input.trialId)) attempt = Math.max(attempt, e.attempt ?? 1);
      }
      const pub = new JetStreamPublisher(deps.nc, { giveUpAfterMs: 50_000 });
      pub.publish({
        sweepId: input.sweepId, trialId: input.trialId, event: input.outcome, step: 0, attempt,
        error: firstLine(input.error), final: { step: 0 }, time: new Date().toISOString(),
      });
      await pub.flush();
    },
  };
}

function attemptFailure(
  deps: TrialActivityDeps, who: { sweepId: string; trialId: string; attempt: number; executor: string },
  type: string, retryable: boolean, message: string,
): ApplicationFailure {
  callHook(deps.hooks, 'trialAttemptFailed', { ...who, kind: type, retryable, message: firstLine(message) });
  return ApplicationFailure.create({ type, message, nonRetryable: !retryable, details: [{ attempt: who.attempt }] });
}
