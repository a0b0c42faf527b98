// Which sweeps are runs of a schedule. Temporal names a scheduled workflow `<schedule>-<RFC 3339
// time>` (e.g. `canary-2031-05-04T02:00:00Z`) and the sweep id is the workflow id, while
// submitted sweeps are `<name>-<yyyymmddThhmmssz>-<hex>` (client/ids.ts), which never matches.
import type { KV } from '@nats-io/kv';
import { sweepIdFromKey, sweepKey } from '../../store/buckets.js';
import type { NightlyRun } from './nightly.js';

const SCHEDULED = /^([A-Za-z0-9][A-Za-z0-9_-]{0,62})-(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))$/;

export interface ScheduledRun {
  schedule: string;
  /** scheduled time, ms since the epoch */
  timeMs: number;
}

export function scheduledRun(sweepId: string): ScheduledRun | undefined {
  const m = SCHEDULED.exec(sweepId);
  if (!m) return undefined;
  const timeMs = Date.parse(m[2]);
  return Number.isFinite(timeMs) ? { schedule: m[1], timeMs } : undefined;
}

/** Finds the run of the same schedule before `sweepId`, for a worker that does not remember it. */
export type PreviousRunLookup = (schedule: string, sweepId: string) => Promise<NightlyRun | undefined>;

/**
 * Looks the previous run up in the SWEEP_SUMMARIES bucket (summary.json of every analysed
 * sweep): the latest scheduled time of the same schedule before this run's.
 */
export function previousRunFromSummaries(openKv: () => Promise<KV>): PreviousRunLookup {
  return async (schedule, sweepId) => {
    const current = scheduledRun(sweepId);
    if (!current) return undefined;
    const kv = await openKv();
    let best: { id: string; timeMs: number } | undefined;
    for await (const key of await kv.keys()) {
      const id = sweepIdFromKey(key);
      const run = scheduledRun(id);
      if (!run || run.schedule !== schedule || run.timeMs >= current.timeMs) continue;
      if (!best || run.timeMs > best.timeMs) best = { id, timeMs: run.timeMs };
    }
    if (!best) return undefined;
    const entry = await kv.get(sweepKey(best.id));
    if (!entry || entry.operation !== 'PUT' || !entry.length) return undefined;
    return { sweepId: best.id, summary: entry.json() };
  };
}
