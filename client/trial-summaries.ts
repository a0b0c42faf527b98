// The aggregator's per-trial summaries of one sweep, from the SWEEP_TRIALS bucket.
import type { NatsConnection } from '@nats-io/transport-node';
import { openTrialsKv, sweepKey } from '../activities/jetstream/buckets.js';
import type { TrialSummary } from '../activities/trial-summary.js';

export async function readTrialSummaries(nc: NatsConnection, sweepId: string): Promise<TrialSummary[]> {
  const kv = await openTrialsKv(nc);
  const keys: string[] = [];
  for await (const k of await kv.keys(`${sweepKey(sweepId)}.*`)) keys.push(k);
  const out: TrialSummary[] = [];
  for (const k of keys.sort()) {
    const e = await kv.get(k);
    if (e && e.operation === 'PUT' && e.length) out.push(e.json<TrialSummary>());
  }
  return out;
}
