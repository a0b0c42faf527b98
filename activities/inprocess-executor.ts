// Runs a trial attempt inside the worker process, publishing to JetStream exactly as the
// trainer process does. Meant for very small trials (smoke sweeps, dispatch benchmarks), where
// starting a process per trial would cost more than the trial; a crash here would take the
// worker down, so real sweeps use the local process or Kubernetes executors.
import type { NatsConnection } from '@nats-io/transport-node';
import { initBackend } from '../core/backend/backend.js';
import { trainAndPublish, trainPackAndPublish } from './train-and-publish.js';
import type { ExecutorContext, ExecutorOutcome, TrialExecutor, AnyTrialLaunch } from './executor.js';
import { firstLine } from '../core/error-message.js';
import { builtinConfig } from '../core/config/command-trial.js';

export class InProcessExecutor implements TrialExecutor {
  readonly name = 'in-process';
  private backend: Promise<string> | undefined;

  constructor(private readonly nc: NatsConnection, private readonly opts: { heartbeatMs?: number } = {}) {}

  async run(anyLaunch: AnyTrialLaunch, ctx: ExecutorContext): Promise<ExecutorOutcome> {
    const config = builtinConfig(anyLaunch.config);
    if (!config) {
      return { exitCode: null, failure: { kind: 'crashed', retryable: false, message: 'the in-process executor runs only the built-in trainer; a command trainer needs execution.executor: local or kubernetes' } };
    }
    const launch = { ...anyLaunch, config };
    // One backend for the whole worker: the first trial's settings decide it.
    this.backend ??= initBackend(launch.config.backend);
    await this.backend;
    let step: number | undefined;
    const beat = () => ctx.heartbeat({ phase: 'running', handle: `pid:${process.pid}`, ...(step !== undefined ? { step } : {}) });
    // No beat at the start: the heartbeat timeout counts from the attempt's start anyway, and a
    // trial shorter than the interval (what this executor is for) then costs no heartbeat call.
    const timer = setInterval(beat, this.opts.heartbeatMs ?? 1000);
    try {
      const opts = { nc: this.nc, signal: ctx.signal, onProgress: (s: number) => { step = s; } };
      // a pack launch trains all its members here, each publishing under its own id
      if (launch.pack) await trainPackAndPublish(launch, opts);
      else await trainAndPublish(launch, opts);
      if (ctx.signal.aborted) return { exitCode: null, failure: { kind: 'cancelled', retryable: false, message: 'trial cancelled' } };
      return { exitCode: 0 };
    } catch (err) {
      return { exitCode: 1, failure: { kind: 'crashed', retryable: true, message: firstLine(err) } };
    } finally {
      clearInterval(timer);
    }
  }

  /** Holds nothing beyond a running trial, which the activity's cancellation stops. */
  async close(): Promise<void> {}
}
