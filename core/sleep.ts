// Waiting with node:timers/promises, ended early by an AbortSignal (a cancelled trial, a
// stopping process), so no wait outlives what it waits for.
import { setTimeout as wait } from 'node:timers/promises';

/** Waits `ms`; an abort ends the wait at once and rejects with the signal's reason. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await wait(ms, undefined, { signal });
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw err;
  }
}

/** Waits `ms`, or less when `signal` aborts (then resolves: the caller looks at the signal). */
export async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  await sleep(ms, signal).catch(() => undefined);
}
