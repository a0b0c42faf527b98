// Bootstrap intervals of the exponent cover the truth at about their nominal rate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitWithBootstrap } from '../../core/analysis/fit-bootstrap.js';
import { powerLaw } from '../../core/analysis/power-law.js';
import { Rng } from '../../core/rng.js';

test('95% seed-bootstrap intervals for α cover the truth in 88–99% of 120 synthetic sweeps', () => {
  // 8 widths × 8 seeds, each seed's loss = truth × exp(σ·ε) with per-seed noise: the case the
  // scaling-law analysis meets, with its default 500 replicates (the expanded percentile tails
  // sit near 0.6% for 8 seeds, so fewer replicates make the ends noisy). Binomial sd of a 95%
  // rate over 120 draws is 2%: the band is about ±3 sd.
  const widths = [16, 32, 64, 128, 256, 512, 1024, 2048];
  const truth = { E: 0.05, A: 2, alpha: 0.5 };
  const rng = new Rng(2024, 'coverage');
  const draws = 120;
  let covered = 0;
  let widthSum = 0;
  for (let d = 0; d < draws; d++) {
    const seeds = Array.from({ length: 8 }, () => widths.map((w) => powerLaw(truth, w) * Math.exp(0.05 * rng.normal())));
    const res = fitWithBootstrap((idx) => ({
      x: widths,
      y: widths.map((_, i) => idx.reduce((s, k) => s + seeds[k][i], 0) / idx.length),
    }), seeds.length, { offset: true, replicates: 500, rngLabels: ['coverage', d] });
    assert.ok(res.ci, `draw ${d}: no interval`);
    if (res.ci[0] <= truth.alpha && truth.alpha <= res.ci[1]) covered++;
    widthSum += res.ci[1] - res.ci[0];
  }
  const rate = covered / draws;
  console.log(`coverage ${rate} (mean interval width ${(widthSum / draws).toFixed(3)})`);
  assert.ok(rate >= 0.88 && rate <= 0.99, `coverage ${rate}`);
});

test('one seed: the residual bootstrap gives an interval around the estimate', () => {
  const widths = [16, 32, 64, 128, 256, 512, 1024, 2048];
  const rng = new Rng(5);
  const y = widths.map((w) => powerLaw({ E: 0, A: 1, alpha: 0.3 }, w) * Math.exp(0.02 * rng.normal()));
  const res = fitWithBootstrap(() => ({ x: widths, y }), 1, { offset: false, replicates: 300, rngLabels: ['one-seed'] });
  assert.equal(res.bootstrap.method, 'residuals');
  assert.ok(res.ci && res.ci[0] < res.fit!.alpha && res.fit!.alpha < res.ci[1]);
  assert.ok(res.ci[0] < 0.3 + 0.05 && res.ci[1] > 0.3 - 0.05);
  // same labels, same interval: summaries are reproducible
  const again = fitWithBootstrap(() => ({ x: widths, y }), 1, { offset: false, replicates: 300, rngLabels: ['one-seed'] });
  assert.deepEqual(again.ci, res.ci);
});
