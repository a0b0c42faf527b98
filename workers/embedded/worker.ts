// Entry point of one embedded worker process (forked by pool.ts): initialises the compute
// backend once, then runs the trials it is sent, one at a time, reporting every message.
import { initBackend, runTrial } from '../../core/train/run-trial.js';
import type { RunRequest, WorkerReport } from './protocol.js';

const send = (r: WorkerReport) => {
  if (process.connected) process.send!(r);
};

// Ctrl-C in a terminal reaches the whole process group; the runner decides how to stop.
process.on('SIGINT', () => {});
// The runner is gone (killed, crashed): nobody will read our results.
process.on('disconnect', () => process.exit(0));

let backendReady: Promise<unknown> | null = null;

process.on('message', async (req: RunRequest) => {
  if (req?.type !== 'run') return;
  // runTrial reports a backend that fails to load as the trial's error; here it only must be
  // initialised with the runner's thread count before the first trial asks for `auto`.
  backendReady ??= initBackend(req.backend).catch(() => undefined);
  await backendReady;
  const { job } = req;
  const result = await runTrial(job.config, {
    sweepId: job.sweepId,
    trialId: job.trialId,
    attempt: job.attempt,
    data: req.data,
    emit: (message) => send({ type: 'bus', message }),
  });
  send({ type: 'result', result });
});
