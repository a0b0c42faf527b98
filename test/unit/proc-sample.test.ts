// The /proc readers and the least-squares slope the long-run benchmarks judge "flat" memory by.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuSeconds, rssMb, slope } from '../../bench/proc-sample.js';

test('slope of a line is its gradient, whatever the offset and the order of the points', () => {
  const pts = [5, 1, 9, 3, 7].map((x) => ({ x, y: 2.5 * x - 40 }));
  assert.ok(Math.abs(slope(pts) - 2.5) < 1e-12);
  assert.ok(Math.abs(slope(pts.map((p) => ({ x: p.x, y: 17 }))) - 0) < 1e-12, 'a constant has slope 0');
});

test('slope is the least-squares one for noisy points (against the closed form on symmetric noise)', () => {
  // y = x + e with e = +1, -1, +1, -1 at x = 0..3: the fit is y = 0.6 x + 0.1 (normal equations by hand)
  const pts = [1, 0, 3, 2].map((y, x) => ({ x, y }));
  assert.ok(Math.abs(slope(pts) - 0.6) < 1e-12);
});

test('slope of fewer than two distinct x is NaN, not a number that looks measured', () => {
  assert.ok(Number.isNaN(slope([])));
  assert.ok(Number.isNaN(slope([{ x: 1, y: 2 }])));
  assert.ok(Number.isNaN(slope([{ x: 1, y: 2 }, { x: 1, y: 5 }])));
});

test('RSS and CPU of this process are read from /proc; a pid that does not exist gives none', () => {
  const rss = rssMb(process.pid)!;
  // the resident set holds at least the heap in use, and fewer MB than the machine has
  assert.ok(rss >= process.memoryUsage().heapUsed / 2 ** 20 && rss < 1e6, `rss ${rss}`);
  let spin = 0;
  const t = Date.now();
  while (Date.now() - t < 50) spin++;
  assert.ok(spin > 0 && cpuSeconds(process.pid) > 0);
  assert.equal(rssMb(2 ** 22 + 12345), undefined);
  assert.equal(cpuSeconds(2 ** 22 + 12345), 0);
});
