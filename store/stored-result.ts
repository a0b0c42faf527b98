// A trial's outcome as SWEEP_EVENTS holds it, in the activities' result shape; undefined while
// no terminal event is stored.
import type { NatsConnection } from '@nats-io/transport-node';
import type { TrialActivityResult } from '../workflows/types.js';
import { lastTrialEvent, readTrialEvents } from './reader.js';
import { resultFromEvents } from './trial-result.js';

export async function storedTrialResult(nc: NatsConnection, sweepId: string, trialId: string): Promise<TrialActivityResult | undefined> {
  // The terminal event is normally the trial's last one (one request); if a retried publish
  // stored an earlier event after it, read them all.
  const last = await lastTrialEvent(nc, sweepId, trialId);
  if (!last) return undefined;
  const r = resultFromEvents(trialId, last.event !== 'started' ? [last] : await readTrialEvents(nc, sweepId, trialId));
  if (!r) return undefined;
  return { trialId, outcome: r.outcome, step: r.step, attempt: r.attempt, ...(r.error !== undefined ? { error: r.error } : {}) };
}
