// The token bucket: bursts up to its size, then exactly qps calls per second, in arrival order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBucket } from '../../activities/kubernetes/rate-limiter.js';

test('a burst is served at once, the rest at qps (virtual clock)', () => {
  let now = 0;
  const b = new TokenBucket(10, 5, () => now);
  let served = 0;
  while (b.tryTake()) served++;
  assert.equal(served, 5);
  now += 250; // 2.5 tokens
  assert.equal(b.tryTake(), true);
  assert.equal(b.tryTake(), true);
  assert.equal(b.tryTake(), false);
  now += 10_000; // refills only up to the burst
  served = 0;
  while (b.tryTake()) served++;
  assert.equal(served, 5);
});

test('waiters are served in order at the configured rate (real clock)', async () => {
  const b = new TokenBucket(50, 1);
  const order: number[] = [];
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 11 }, (_, i) => b.take().then(() => order.push(i))));
  const elapsed = performance.now() - t0;
  assert.deepEqual(order, [...Array(11).keys()]);
  // 1 immediately, 10 more at 50/s = 200 ms; allow scheduling slack above, none below
  assert.ok(elapsed >= 190, `elapsed ${elapsed} ms`);
});

test('an aborted waiter leaves the queue', async () => {
  const b = new TokenBucket(1, 1);
  assert.equal(b.tryTake(), true);
  const ac = new AbortController();
  const p = b.take(ac.signal);
  assert.equal(b.waiting, 1);
  ac.abort(new Error('stop'));
  await assert.rejects(p, /stop/);
  assert.equal(b.waiting, 0);
});

test('nonsense limits are refused', () => {
  assert.throws(() => new TokenBucket(0, 1), /qps must be > 0/);
});
