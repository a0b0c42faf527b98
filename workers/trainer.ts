#!/usr/bin/env node
// The trainer entry point of the cluster mode: runs one trial attempt and publishes every
// metric and lifecycle message to NATS JetStream. The same file runs as a local child process
// (activities/local-executor.ts) and as the command of a Kubernetes trial pod.
//
//   node dist/workers/trainer.js LAUNCH.json      (or "-": the launch on stdin)
//
// LAUNCH.json is a TrialLaunch (activities/executor.ts): {sweepId, trialId, attempt, config,
// nats: {servers, auth?}, pack?}; with `pack`, every member trains in this process (runPack) and
// publishes under its own trial id. auth names credential and TLS files (core/nats-auth.ts);
// SWEEP_NATS_CREDS and SWEEP_NATS_TLS_CA override its creds and CA files. SWEEP_NATS_URL overrides nats.servers; SWEEP_ATTEMPT overrides attempt.
// A `file` task reads only under the folders of SWEEP_DATA_ROOTS (a trial pod's dataset mounts);
// relative data paths mean the first of them.
// Exit codes (TRAINER_EXIT): 0 ran to an outcome and every message is stored; 1 error
// (retryable); 2 invalid launch or config (not retried); 143 stopped by SIGTERM/SIGINT or by
// the parent process going away. On SIGTERM the trial stops at its next step and the messages
// already produced are flushed before exiting.
import { ConfigError } from '../core/config/errors.js';
import { parseEnv } from '../core/env.js';
import { initBackend } from '../core/backend/backend.js';
import { TRAINER_EXIT, type TrialLaunch } from '../activities/executor.js';
import { connectNats } from '../store/connect.js';
import { trainAndPublish, trainPackAndPublish } from '../activities/train-and-publish.js';
import { isEntryPoint } from './entry-point.js';
import { reportEnvError, trainerEnvSchema } from './process-env.js';
import { readLaunch } from './trainer-launch.js';
import { firstLine } from '../core/error-message.js';

export { parseLaunch, readLaunch } from './trainer-launch.js';

/** Progress reports to a parent process over IPC (the local executor). */
export interface TrainerProgressMessage {
  type: 'progress';
  step: number;
}

async function main(argv: string[]): Promise<number> {
  const file = argv[0];
  if (!file || argv.length > 1) {
    process.stderr.write('usage: trainer LAUNCH.json\n');
    return TRAINER_EXIT.invalid;
  }
  const env = parseEnv(trainerEnvSchema);
  let launch: TrialLaunch;
  try {
    launch = readLaunch(file, { natsServers: env.SWEEP_NATS_URL, attempt: env.SWEEP_ATTEMPT, natsCreds: env.SWEEP_NATS_CREDS, natsTlsCa: env.SWEEP_NATS_TLS_CA });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`trainer: invalid ${err.source ?? 'launch'}: ${err.problems.join('; ')}\n`);
    return TRAINER_EXIT.invalid;
  }

  const abort = new AbortController();
  let stopReason = '';
  const stop = (why: string) => {
    if (abort.signal.aborted) return;
    stopReason = why;
    process.stderr.write(`trainer: ${why}: stopping trial ${launch.trialId}\n`);
    abort.abort(new Error(why));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Started by a local executor: if that process dies, so does this trial (no orphan trainers).
  if (process.send) process.on('disconnect', () => stop('parent process gone'));

  const backend = await initBackend(launch.config.backend);
  const what = launch.pack ? `pack of ${launch.pack.length} trials from ${launch.trialId}` : `trial ${launch.trialId}`;
  process.stderr.write(`trainer: ${what} of ${launch.sweepId}, attempt ${launch.attempt}, backend ${backend}\n`);
  const nc = await connectNats({ servers: launch.nats.servers, name: `trainer-${launch.trialId}`, auth: launch.nats.auth });
  let lastSent = 0;
  const onProgress = (step: number) => {
    const now = Date.now();
    if (process.send && process.connected && now - lastSent > 200) {
      lastSent = now;
      process.send({ type: 'progress', step } satisfies TrainerProgressMessage);
    }
  };
  try {
    // started before the orchestrator worker created the streams: say so once, then keep trying
    const onNoStream = (subject: string, ms: number) => process.stderr.write(
      `trainer: no JetStream stream holds ${subject} yet (an orchestrator worker creates the streams when it starts); retrying for up to ${Math.round(ms / 1000)} s\n`);
    const opts = { nc, signal: abort.signal, onProgress, publisher: { onNoStream } };
    // a pack trains its members in this one process, each publishing under its own id
    const results = launch.pack ? await trainPackAndPublish(launch, opts) : [await trainAndPublish(launch, opts)];
    for (const result of results) {
      process.stderr.write(`trainer: trial ${result.trialId} ${result.outcome} at step ${result.step}${result.error ? `: ${result.error}` : ''}\n`);
    }
    if (stopReason) return TRAINER_EXIT.terminated;
    return TRAINER_EXIT.ok;
  } finally {
    await nc.drain().catch(() => undefined);
  }
}

if (isEntryPoint(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
    // a bad SWEEP_* setting: one line naming it, exit 2 (TRAINER_EXIT.invalid)
    const bad = reportEnvError('trainer', err);
    if (bad !== undefined) process.exit(bad);
    process.stderr.write(`trainer: ${firstLine(err)}\n`);
    process.exit(TRAINER_EXIT.error);
  });
}
