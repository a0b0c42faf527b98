// One attempt on an executor, as the trial and pack activities both run it: the trainers' NATS
// settings, Temporal heartbeats passed through, and the telemetry hooks told when each trial
// (one, or a pack's members) starts and when the attempt's phase changes.
import { cancellationSignal, heartbeat } from '@temporalio/activity';
import type { AnyTrialLaunch, ExecutorOutcome, TrialExecutor, TrialHeartbeat } from './executor.js';
import { callHook, type TelemetryHooks } from './telemetry.js';
import type { TrialCredential } from './trial-credentials.js';
import type { NatsAuth } from '../core/nats-auth.js';

/** What an attempt needs of the activities' dependencies (TrialActivityDeps has it). */
export interface AttemptDeps {
  trainerNatsServers: string[];
  trainerNatsAuth?: NatsAuth;
  hooks?: TelemetryHooks;
}

/** NATS as the trainers of an attempt see it (without a per-attempt credential). */
export function trainerNats(deps: AttemptDeps): AnyTrialLaunch['nats'] {
  return { servers: deps.trainerNatsServers, ...(deps.trainerNatsAuth ? { auth: deps.trainerNatsAuth } : {}) };
}

export interface AttemptWho {
  sweepId: string;
  trialId: string;
  attempt: number;
  executor: string;
}

export interface AttemptRun {
  outcome: ExecutorOutcome;
  /** aborted: the activity was cancelled (the executor has stopped the trainer) */
  signal: AbortSignal;
  /** when the attempt started (Date.now()) */
  t0: number;
}

/** Runs `launch` on `executor` for the trials `trialIds`, heartbeating and telling the hooks. */
export async function runOnExecutor(deps: AttemptDeps, executor: TrialExecutor, launch: AnyTrialLaunch,
  credential: TrialCredential | undefined, who: AttemptWho, trialIds: readonly string[]): Promise<AttemptRun> {
  for (const trialId of trialIds) callHook(deps.hooks, 'trialStarted', { ...who, trialId });
  const t0 = Date.now();
  let phase = '';
  const signal = cancellationSignal();
  const outcome = await executor.run(launch, {
    signal,
    ...(credential ? { credential } : {}),
    heartbeat(d: TrialHeartbeat) {
      heartbeat(d);
      if (d.phase !== phase) {
        phase = d.phase;
        for (const trialId of trialIds) callHook(deps.hooks, 'trialPhase', { ...who, trialId, phase, sinceLaunchMs: Date.now() - t0 });
      }
    },
  });
  return { outcome, signal, t0 };
}
