// The aggregator's per-trial summaries of one sweep, read straight from the stream behind the
// SWEEP_TRIALS bucket (one message per key: the bucket keeps no history), which stays reliable
// while the aggregator is updating keys.
import type { NatsConnection } from '@nats-io/transport-node';
import { openTrialsKv, sweepKey, TRIALS_BUCKET } from './buckets.js';
import { readAll } from './reader.js';
import type { TrialSummary } from './trial-summary.js';

export async function readTrialSummaries(nc: NatsConnection, sweepId: string): Promise<TrialSummary[]> {
  await openTrialsKv(nc); // creates the bucket if no aggregator ever ran
  const stored = await readAll<TrialSummary>(nc, `KV_${TRIALS_BUCKET}`, `$KV.${TRIALS_BUCKET}.${sweepKey(sweepId)}.*`, {
    decode: (m) => {
      const op = m.headers?.get('KV-Operation');
      return op === 'DEL' || op === 'PURGE' || !m.data.length ? undefined : m.json<TrialSummary>();
    },
  });
  // Latest value per trial (a key can appear once per revision while it is being updated).
  const byTrial = new Map<string, TrialSummary>();
  for (const s of stored) byTrial.set(s.data.trialId, s.data);
  return [...byTrial.values()].sort((a, b) => a.trialId.localeCompare(b.trialId));
}
