// Intervals over seeds (core/analysis/seed-interval.ts and its users): coverage of the nominal
// 95% checked by simulating sweeps with a known truth, the interval always containing its
// estimate, and the one-seed case saying it has no interval.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { tCdf, tQuantile } from '../../core/analysis/distributions.js';
import { slopeFor, slopeInterval } from '../../core/analysis/lr-transfer.js';
import { BOOTSTRAP_MIN_SEEDS, seedIntervals } from '../../core/analysis/seed-interval.js';
import { Rng } from '../../core/rng.js';
import { exponentCoverage, fitSeedCurves as fitSeeds, seedCurves, simulateLrTable as lrTable, slopeCoverage } from '../../core/analysis/coverage.js';

/** Empirical coverage of `draws` intervals; the band is about ±3.4 binomial sd at 600 draws. */
function coverage(draws: number, covers: (d: number) => boolean): number {
  let n = 0;
  for (let d = 0; d < draws; d++) if (covers(d)) n++;
  return n / draws;
}

test('Student-t quantiles and CDF match scipy.stats.t to 1e-9', () => {
  // scipy 1.14 stats.t.ppf(0.975, df) and stats.t.cdf
  const ppf975: [number, number][] = [[1, 12.706204736432095], [2, 4.302652729696142], [3, 3.182446305284263], [4, 2.7764451051977987],
    [5, 2.570581835636314], [7, 2.3646242515927844], [9, 2.2621571628540993], [30, 2.0422724563012373]];
  for (const [df, q] of ppf975) assert.ok(Math.abs(tQuantile(0.975, df) / q - 1) < 1e-9, `t(0.975, ${df}) = ${tQuantile(0.975, df)} vs ${q}`);
  assert.ok(Math.abs(tQuantile(0.05, 7) + 1.8945786050613054) < 1e-9);
  assert.ok(Math.abs(tCdf(1.5, 5) - 0.9030481598787634) < 1e-12);
  assert.ok(Math.abs(tCdf(-0.7, 6) - 0.2550716904753798) < 1e-12);
});

test('jackknife-t intervals for a fitted exponent cover the truth 92–98% of the time at 2, 3, 4 and 8 seeds', () => {
  for (const nSeeds of [2, 3, 4, 8]) {
    const c = exponentCoverage(nSeeds, 600);
    assert.equal(c.method, 'jackknife-t');
    console.log(`exponent, ${nSeeds} seeds: coverage ${c.rate.toFixed(3)} over ${c.draws} sweeps, mean width ${c.meanWidth.toFixed(3)}`);
    assert.ok(c.rate >= 0.92 && c.rate <= 0.98, `${nSeeds} seeds: coverage ${c.rate}`);
  }
});

test('jackknife-t intervals for the lr-transfer slope cover the truth 92–98% of the time at 2, 3, 4 and 8 seeds', () => {
  for (const nSeeds of [2, 3, 4, 8]) {
    const c = slopeCoverage(nSeeds, 3000);
    assert.equal(c.method, 'jackknife-t');
    console.log(`lr-transfer slope, ${nSeeds} seeds: coverage ${c.rate.toFixed(3)} over ${c.draws} sweeps, mean width ${c.meanWidth.toFixed(3)}`);
    assert.ok(c.rate >= 0.92 && c.rate <= 0.98, `${nSeeds} seeds: coverage ${c.rate}`);
  }
});

test('every interval contains its estimate (random statistics, fits and slopes; 1 to 14 seeds)', () => {
  // seedIntervals on arbitrary statistics, both methods
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 14 }), fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 14, maxLength: 14 }),
    fc.double({ min: -10, max: 10, noNaN: true }), fc.integer(),
    (n, perSeed, shift, seed) => {
      const stat = (idx: readonly number[]) => [idx.reduce((s, k) => s + perSeed[k], 0) / idx.length + shift * (idx.length % 2), Math.max(...idx.map((k) => perSeed[k]))];
      const all = Array.from({ length: n }, (_, i) => i);
      const est = stat(all);
      const res = seedIntervals(n, est, stat, { replicates: 50, rng: new Rng(seed) });
      if (n < 2) return res.method === 'none' && res.intervals.every((i) => i === null) && !!res.note;
      assert.equal(res.method, n < BOOTSTRAP_MIN_SEEDS ? 'jackknife-t' : 'bootstrap-percentile');
      return res.intervals.every((iv, c) => iv !== null && iv.lo <= est[c] && est[c] <= iv.hi);
    }), { numRuns: 400, seed: 11 });
  // power-law fits (offset and pure) and lr-transfer slopes on random noisy sweeps
  fc.assert(fc.property(
    fc.integer({ min: 2, max: 12 }), fc.double({ min: 0.05, max: 1.5, noNaN: true }), fc.double({ min: 0, max: 0.2, noNaN: true }),
    fc.double({ min: 0.001, max: 0.2, noNaN: true }), fc.boolean(), fc.integer(),
    (n, alpha, E, sigma, offset, seed) => {
      const rng = new Rng(seed, 'containment');
      const res = fitSeeds(seedCurves(rng, n, { E, A: 2, alpha }, sigma), offset, 30, ['containment', seed]);
      if (!res.fit) return true;
      const a = res.fit.alpha;
      const curveOk = res.curve.every((p) => p.lo === null || (p.lo <= p.y && p.y <= p.hi!));
      const table = lrTable(rng, n, -alpha);
      const s = slopeFor(table, table.seeds.map((_, i) => i));
      const sIv = slopeInterval(table, s, 30, ['containment', seed]).intervals[0];
      return (res.ci === null || (res.ci[0] <= a && a <= res.ci[1])) && curveOk
        && (sIv === null || (sIv.lo <= s && s <= sIv.hi));
    }), { numRuns: 60, seed: 12 });
});

test('one seed: no interval, the method is none and a note says why', () => {
  const rng = new Rng(5);
  const res = fitSeeds(seedCurves(rng, 1, { E: 0, A: 1, alpha: 0.3 }, 0.02), false, 300, ['one-seed']);
  assert.ok(res.fit);
  assert.equal(res.ci, null);
  assert.equal(res.bootstrap.method, 'none');
  assert.equal(res.bootstrap.seeds, 1);
  assert.match(res.intervalNote!, /one seed: no interval over seeds/);
  assert.ok(res.curve.every((p) => p.lo === null && p.hi === null));
  const iv = slopeInterval(lrTable(rng, 1, -0.5), -0.5, 100, ['one-seed']);
  assert.equal(iv.method, 'none');
  assert.equal(iv.intervals[0], null);
});

test('12 seeds: the expanded percentile bootstrap covers a pure power-law exponent 92–98% of the time, reproducibly', () => {
  // Many seeds: the percentile bootstrap over seeds (the forgetting fit's pure power law, so the
  // 400 sweeps × 500 replicates stay fast).
  const truth = { E: 0, A: 0.4, alpha: 0.05 };
  const draws = 400;
  const rng = new Rng(99, 'coverage-bootstrap');
  const rate = coverage(draws, (d) => {
    const res = fitSeeds(seedCurves(rng, 12, truth, 0.02), false, 500, ['bootstrap', d]);
    assert.equal(res.bootstrap.method, 'bootstrap-percentile');
    assert.ok(res.ci && res.bootstrap.usable === 500);
    return res.ci[0] <= truth.alpha && truth.alpha <= res.ci[1];
  });
  console.log(`pure exponent, 12 seeds, bootstrap: coverage ${rate.toFixed(3)} over ${draws} sweeps`);
  assert.ok(rate >= 0.92 && rate <= 0.98, `coverage ${rate}`);
  const seeds = seedCurves(new Rng(3), 12, truth, 0.02);
  assert.deepEqual(fitSeeds(seeds, false, 200, ['same']).ci, fitSeeds(seeds, false, 200, ['same']).ci, 'same labels, same interval');
});
