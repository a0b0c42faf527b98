// One trial attempt run and published: the trial's metric and lifecycle messages go to NATS
// JetStream as they are produced. Shared by the trainer process (workers/trainer.ts) and the
// in-process executor, which runs trials inside the worker.
import type { NatsConnection } from '@nats-io/transport-node';
import { isEvent, type BusMessage } from '../core/messages.js';
import type { TrialResult } from '../core/outcome.js';
import { runTrial } from '../core/train/run-trial.js';
import { runPack } from '../core/train/packed/run-pack.js';
import { JetStreamPublisher, type PublisherOptions } from '../store/publisher.js';
import type { TrialLaunch } from './executor.js';

export interface TrainOptions {
  nc: NatsConnection;
  signal: AbortSignal;
  /** called with each evaluation step as it is produced */
  onProgress?: (step: number) => void;
  publisher?: PublisherOptions;
}

/**
 * Runs the trial of `launch` and publishes its messages; resolves with its result once every
 * message is stored in JetStream (rejects if they could not be).
 */
export async function trainAndPublish(launch: TrialLaunch, opts: TrainOptions): Promise<TrialResult> {
  const pub = new JetStreamPublisher(opts.nc, opts.publisher);
  const emit = (m: BusMessage) => {
    pub.publish(m);
    if (!isEvent(m)) opts.onProgress?.(m.step);
  };
  let result: TrialResult;
  try {
    result = await runTrial(launch.config, {
      sweepId: launch.sweepId, trialId: launch.trialId, attempt: launch.attempt, emit, signal: opts.signal,
    });
  } finally {
    // Whatever happened, what was produced is stored before we report.
    await pub.flush();
  }
  return result;
}

/**
 * Runs every member of a pack launch in this process (runPack) and publishes each member's
 * messages under its own trial id; resolves with the results in member order once everything
 * produced is stored.
 */
export async function trainPackAndPublish(launch: TrialLaunch, opts: TrainOptions): Promise<TrialResult[]> {
  const members = launch.pack ?? [{ trialId: launch.trialId, config: launch.config }];
  const pub = new JetStreamPublisher(opts.nc, opts.publisher);
  const emit = (m: BusMessage) => {
    pub.publish(m);
    if (!isEvent(m)) opts.onProgress?.(m.step);
  };
  try {
    return await runPack(members.map((m) => ({
      config: m.config,
      ctx: { sweepId: launch.sweepId, trialId: m.trialId, attempt: launch.attempt, emit, signal: opts.signal },
    })));
  } finally {
    await pub.flush();
  }
}
