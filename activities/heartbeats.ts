// Heartbeats for activities that do not report progress themselves (planning, the preflight):
// with a heartbeat timeout on their proxies, a worker killed mid-activity is noticed within that
// timeout and the activity retried elsewhere, instead of after its whole start-to-close timeout.
import { heartbeat } from '@temporalio/activity';

/** How often a wrapped activity heartbeats; well under the proxies' heartbeat timeout. */
export const HEARTBEAT_EVERY_MS = 5_000;

type AsyncFn = (...args: never[]) => Promise<unknown>;

/** The same activities, each heartbeating every HEARTBEAT_EVERY_MS while it runs. */
export function withHeartbeats<T extends Record<string, AsyncFn>>(activities: T): T {
  const out: Record<string, AsyncFn> = {};
  for (const [name, fn] of Object.entries(activities)) {
    out[name] = async (...args: never[]) => {
      const beat = setInterval(() => heartbeat(), HEARTBEAT_EVERY_MS);
      try {
        return await fn(...args);
      } finally {
        clearInterval(beat);
      }
    };
  }
  return out as T;
}
