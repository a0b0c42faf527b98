// The one retry loop and the abortable waits: the delays follow the backoff, retryIf ends it
// with the last error, and an abort ends a pause at once with the signal's reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoff, retry } from '../../core/retry.js';
import { pause, sleep } from '../../core/sleep.js';

test('backoff doubles from the first delay up to the cap, after the failures retried at once', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map(backoff(50, 2000)), [50, 100, 200, 400, 800, 1600, 2000, 2000]);
  assert.deepEqual([0, 1, 2, 3, 8, 100].map(backoff(20, 1000, 1)), [0, 20, 40, 80, 1000, 1000]);
});

test('retry: runs until success, asks retryIf after each failure, throws the last error when told to stop', async () => {
  const seen: number[] = [];
  const v = await retry(async (attempt) => {
    seen.push(attempt);
    if (attempt < 3) throw new Error(`fail ${attempt}`);
    return 'ok';
  }, { delayMs: () => 1 });
  assert.equal(v, 'ok');
  assert.deepEqual(seen, [0, 1, 2, 3]);
  const asked: number[] = [];
  await assert.rejects(retry(async (attempt) => { throw new Error(`fail ${attempt}`); }, {
    delayMs: () => 0, retryIf: (_err, attempt) => { asked.push(attempt); return attempt < 2; },
  }), /^Error: fail 2$/);
  assert.deepEqual(asked, [0, 1, 2]);
});

test('an abort ends a wait at once: sleep rejects with the reason, pause resolves', async () => {
  const ac = new AbortController();
  const why = new Error('cancelled');
  const t0 = Date.now();
  setTimeout(() => ac.abort(why), 20);
  await assert.rejects(sleep(60_000, ac.signal), (err: unknown) => err === why);
  await pause(60_000, ac.signal);
  await assert.rejects(retry(async () => { throw new Error('x'); }, { delayMs: () => 60_000, signal: ac.signal }), (err: unknown) => err === why);
  assert.ok(Date.now() - t0 < 5000);
});
