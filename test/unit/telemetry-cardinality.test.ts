// Series count stays bounded: 100 sweeps of 50 trials through one long-lived telemetry (as a
// worker that runs for months would see them), counting the series a scrape returns after
// every sweep and at the peak of each sweep.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTelemetry } from '../../workers/telemetry/index.js';
import { OUTCOMES } from '../../core/outcome.js';
import { syntheticSummary } from './telemetry-fixtures.js';

const SWEEPS = 100;
const TRIALS = 50;
const KEEP = 10;

test(`series stay bounded across ${SWEEPS} sweeps of ${TRIALS} trials`, async () => {
  const t = await createTelemetry({ service: 'bound', processMetrics: false, keepSweeps: KEEP, keepSchedules: 3 });
  // Real summaries: two transfer groups × 4 widths, one exponent, one spread.
  const summaries = [
    await syntheticSummary({ sweepId: 'x', slopes: { mup: 0, sp: -1 }, exponent: 0.5 }),
    await syntheticSummary({ sweepId: 'y', slopes: { mup: 0.1, sp: -0.9 }, exponent: 0.6 }),
  ];
  const after: number[] = [];
  const peaks: number[] = [];
  for (let s = 0; s < SWEEPS; s++) {
    const sweep = `sweep-${s}`;
    for (let i = 0; i < TRIALS; i++) {
      t.trialStarted(sweep, `trial-${i}`);
      t.podPending(sweep, `trial-${i}`, 1);
      t.podStarted(sweep, `trial-${i}`, 1, 0.5 + i / 10);
      for (let step = 0; step < 5; step++) t.liveMetric(sweep, `trial-${i}`, { step, trainLoss: 1 / (step + 1), testLoss: 1.1 / (step + 1), sharpness: 2 + step });
      t.metricsIngested(5);
    }
    t.consumerLag(s % 7);
    peaks.push(await t.seriesCount());
    for (let i = 0; i < TRIALS; i++) {
      if (i % 10 === 9) t.attemptFailed(sweep, `trial-${i}`, 1, ['OOMKilled', 'Evicted', 'Unschedulable'][i % 3], true);
      t.trialFinished(sweep, `trial-${i}`, OUTCOMES[i % 3], 30 + i);
    }
    if (s % 5 === 0) t.apiError(['kubernetes', 'nats', 'temporal'][s % 3]);
    t.sweepSummary(sweep, summaries[s % 2]);
    t.nightlyRun(`schedule-${s % 3}`, { sweepId: sweep, summary: summaries[s % 2] });
    after.push(await t.seriesCount());
  }

  // Per sweep kept: 4 outcome counters + 1 running gauge + science (2 slopes, 2 gaps, 8 η*,
  // 1 exponent, 1 spread, 1 timestamp) = 20. Per schedule kept: current and previous slope (2+2),
  // η* at the widest width (2+2), exponent (1+1), run info and timestamp = 12.
  const perSweep = 4 + 1 + 15;
  const perSchedule = 12;
  // Fixed: duration histogram (4 outcomes × (14 buckets + Inf + sum + count)), pod start
  // (12 + 3), pending and oldest, ingestion and lag per stream used, error kinds seen.
  const fixed = 4 * 17 + 15 + 2 + 1 + 1 + 3 + 3;
  const bound = fixed + KEEP * perSweep + 3 * perSchedule;
  const liveMax = TRIALS * 4;
  console.log(`series after sweeps 1, 10, 11, 50, 100: ${[0, 9, 10, 49, 99].map((i) => after[i]).join(', ')}; peak while ${TRIALS} trials run: ${Math.max(...peaks)}; bound ${bound} (+${liveMax} live)`);

  // Steady state once the windows are full: the count no longer grows with the sweeps run.
  const steady = after.slice(KEEP + 3);
  assert.ok(steady.every((n) => n === steady[0]), `constant after the window fills: ${[...new Set(steady)].join(', ')}`);
  assert.equal(after[SWEEPS - 1], bound, 'exactly the kept sweeps, schedules and fixed series');
  assert.ok(Math.max(...peaks) <= bound + liveMax, `peak ${Math.max(...peaks)} <= ${bound + liveMax}`);
  assert.deepEqual(t.recentSweeps(), Array.from({ length: KEEP }, (_, i) => `sweep-${SWEEPS - KEEP + i}`));
  // Every live series was removed when its trial ended.
  const live = await t.registry.getSingleMetric('sweep_trial_train_loss')!.get();
  assert.equal(live.values.length, 0);
});
