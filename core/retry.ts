// The one retry-with-backoff loop: the Kubernetes API calls, JetStream publishes and the
// aggregator's compare-and-set writes all try again this way, each with its own rule for
// what is worth another attempt and for how long.
import { sleep } from './sleep.js';

export interface RetryOptions {
  /** pause after failed attempt `attempt` (0-based), e.g. backoff(200, 5000) */
  delayMs: (attempt: number, err: unknown) => number;
  /** whether to try again after failed attempt `attempt` (default: always) */
  retryIf?: (err: unknown, attempt: number) => boolean;
  /** ends a pause at once, rejecting with the signal's reason */
  signal?: AbortSignal;
}

/** Runs `fn` until it resolves; the last error is thrown once retryIf says no. */
export async function retry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (opts.retryIf && !opts.retryIf(err, attempt)) throw err;
      const ms = opts.delayMs(attempt, err);
      if (ms > 0) await sleep(ms, opts.signal);
    }
  }
}

/**
 * Doubling delays: `firstMs` after the first failure, then twice as long each time, at most
 * `maxMs`. With `skip`, the first `skip` failures are retried at once (a conflict lost to
 * another writer is usually won on the next try).
 */
export function backoff(firstMs: number, maxMs: number, skip = 0): (attempt: number) => number {
  return (attempt) => (attempt < skip ? 0 : Math.min(maxMs, firstMs * 2 ** Math.min(attempt - skip, 30)));
}
