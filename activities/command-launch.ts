// The protocol-v1 launch file of a command trial in cluster mode (docs/trainer-protocol.md):
// the trial's params, and a NATS report naming the trial's JetStream subjects and the
// credentials the executor handed this attempt (paths; inboxPrefix for per-trial users).
import { isCommandTrial } from '../core/config/command-trial.js';
import { eventsSubject, metricsSubject } from '../core/messages.js';
import { launchFile, type TrialLaunchFile } from '../core/protocol/launch.js';
import type { AnyTrialLaunch } from './executor.js';

export function commandLaunchFile(launch: AnyTrialLaunch): TrialLaunchFile {
  if (!isCommandTrial(launch.config)) throw new Error(`trial ${launch.trialId} is not a command trial`);
  const { auth } = launch.nats;
  return launchFile(launch.sweepId, launch.trialId, launch.attempt, launch.config, {
    mode: 'nats', servers: launch.nats.servers,
    metricsSubject: metricsSubject(launch.sweepId, launch.trialId), eventsSubject: eventsSubject(launch.sweepId, launch.trialId),
    ...(auth ? { auth } : {}),
  });
}
