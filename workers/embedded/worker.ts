// Entry point of one embedded worker process (forked by pool.ts): initialises the compute
// backend once, then runs the trials it is sent, one trial or one pack at a time, reporting
// every message.
import { initBackend, runTrial } from '../../core/train/run-trial.js';
import { runPack } from '../../core/train/packed/run-pack.js';
import type { BusMessage } from '../../core/messages.js';
import type { TrialJob, WorkerReport, WorkerRequest } from './protocol.js';

const send = (r: WorkerReport) => {
  if (process.connected) process.send!(r);
};

// Ctrl-C in a terminal reaches the whole process group; the runner decides how to stop.
process.on('SIGINT', () => {});
// The runner is gone (killed, crashed): nobody will read our results.
process.on('disconnect', () => process.exit(0));

let backendReady: Promise<unknown> | null = null;

process.on('message', async (req: WorkerRequest) => {
  if (req?.type !== 'run' && req?.type !== 'pack') return;
  // runTrial reports a backend that fails to load as the trial's error; here it only must be
  // initialised with the runner's thread count before the first trial asks for `auto`.
  backendReady ??= initBackend(req.backend).catch(() => undefined);
  await backendReady;
  const ctx = (job: TrialJob) => ({
    sweepId: job.sweepId,
    trialId: job.trialId,
    attempt: job.attempt,
    data: req.data,
    emit: (message: BusMessage) => send({ type: 'bus', message }),
  });
  if (req.type === 'run') {
    send({ type: 'result', result: await runTrial(req.job.config, ctx(req.job)) });
    return;
  }
  const results = await runPack(req.jobs.map((job) => ({ config: job.config, ctx: ctx(job) })));
  for (const result of results) send({ type: 'result', result });
});
