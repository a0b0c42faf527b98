// Series count stays bounded in Prometheus: a worker's telemetry sees 100 sweeps of 50 trials
// (live metrics, outcomes, summaries, nightly runs) while a real Prometheus scrapes it every
// second; the series Prometheus holds for the target are counted at checkpoints, with trials
// running (peak) and between sweeps.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { OUTCOMES } from '../../core/outcome.js';
import { createTelemetry, type Telemetry } from '../../workers/telemetry/index.js';
import { killAllChildren } from '../servers/children.js';
import { startPrometheus, type PrometheusServer } from '../servers/prometheus.js';
import { syntheticSummary } from '../unit/telemetry-fixtures.js';

const SWEEPS = 100;
const TRIALS = 50;
const KEEP = 10;
/** the sweep series, without the Node.js process metrics (whose count varies with the process) */
const SWEEP_SERIES = 'count({job="worker",__name__=~"sweep_.+",__name__!~"sweep_(process|nodejs)_.+"})';
const ALL_SERIES = 'count({job="worker"})';

let telemetry: Telemetry;
let prom: PrometheusServer;

before(async () => {
  telemetry = await createTelemetry({ service: 'orchestrator', port: 0, keepSweeps: KEEP, keepSchedules: 3 });
  prom = await startPrometheus({ targets: [{ job: 'worker', targets: [`127.0.0.1:${telemetry.server!.port}`] }] });
  await prom.waitForScrape();
});

after(async () => {
  await telemetry?.close();
  await prom?.stop();
  await killAllChildren();
});

async function scraped(expr: string): Promise<number> {
  await prom.waitForScrape({ sinceMs: Date.now() });
  const r = await prom.query(expr);
  return r.length ? Number(r[0].value[1]) : 0;
}

test(`Prometheus holds a bounded number of series across ${SWEEPS} sweeps of ${TRIALS} trials`, { timeout: 300_000 }, async () => {
  const summaries = [
    await syntheticSummary({ sweepId: 'x', slopes: { mup: 0, sp: -1 }, exponent: 0.5 }),
    await syntheticSummary({ sweepId: 'y', slopes: { mup: 0.1, sp: -0.9 }, exponent: 0.6 }),
  ];
  const h = telemetry.hooks;
  const between: { sweeps: number; sweep: number; all: number }[] = [];
  const peaks: number[] = [];
  for (let s = 0; s < SWEEPS; s++) {
    const sweepId = `sweep-${s}`;
    const checkpoint = (s + 1) % 10 === 0;
    for (let i = 0; i < TRIALS; i++) {
      const info = { sweepId, trialId: `trial-${i}`, attempt: 1, executor: 'kubernetes' };
      h.trialStarted?.(info);
      h.trialPhase?.({ ...info, phase: 'Pending', sinceLaunchMs: 0 });
      h.trialPhase?.({ ...info, phase: 'Running', sinceLaunchMs: 800 });
      h.trialSummary?.({ sweepId, trialId: info.trialId, status: 'running', metrics: 3, steps: [0, 10, 20], latest: { step: 20, trainLoss: 0.5, testLoss: 0.6, sharpness: 3 } });
    }
    h.ingested?.('metrics', TRIALS * 3);
    if (checkpoint) peaks.push(await scraped(SWEEP_SERIES));
    for (let i = 0; i < TRIALS; i++) {
      const info = { sweepId, trialId: `trial-${i}`, attempt: 1, executor: 'kubernetes' };
      const outcome = OUTCOMES[i % 3];
      h.trialSummary?.({ sweepId, trialId: info.trialId, status: outcome, metrics: 3, steps: [0, 10, 20] });
      h.trialFinished?.({ ...info, outcome, durationMs: 60_000 + i * 1000 });
    }
    h.consumerLag?.('metrics', s % 5);
    h.sweepAnalyzed?.(sweepId, summaries[s % 2]);
    // every third sweep is a run of one of three schedules
    if (s % 3 === 0) await telemetry.sweepAnalyzed(`canary${s % 9}-2031-05-${String(1 + Math.floor(s / 9)).padStart(2, '0')}T02:00:00Z`, summaries[s % 2]);
    if (checkpoint) between.push({ sweeps: s + 1, sweep: await scraped(SWEEP_SERIES), all: await scraped(ALL_SERIES) });
  }
  const registry = await telemetry.seriesCount();
  console.log(`Prometheus series of the worker after sweeps ${between.map((b) => `${b.sweeps}: ${b.sweep} sweep_ (${b.all} with process metrics)`).join(', ')}; with ${TRIALS} trials running: ${peaks.join(', ')}; registry now ${registry}`);

  // The windows are full after 10 sweeps (and 3 schedules): from then on the count only moves
  // with the mix of the 10 kept sweeps (a scheduled run's science series, 16, take the place of
  // a submitted sweep's 20), never with the number of sweeps run.
  const steady = between.filter((b) => b.sweeps >= 20).map((b) => b.sweep);
  // 10 kept sweeps × 20 series + 3 schedules × 12 + fixed operational series (see the unit test).
  const bound = 93 + KEEP * 20 + 3 * 12;
  assert.ok(steady.every((n) => n <= bound), `every count after the windows fill is <= ${bound}: ${steady.join(', ')}`);
  assert.ok(Math.max(...steady) - Math.min(...steady) <= 20, `no growth: ${steady.join(', ')}`);
  // With a sweep's 50 trials running, their 4 live series each come on top, and go again.
  assert.ok(Math.max(...peaks) <= bound + TRIALS * 4, `peak ${Math.max(...peaks)}`);
  assert.ok(Math.max(...peaks) >= Math.min(...steady) + TRIALS * 4 - 40, 'the live series of running trials were scraped');
  // What Prometheus holds is what the worker exposes.
  assert.equal(await scraped('count(sweep_trial_train_loss)'), 0);
  const sweeps = (await prom.query('count by (sweep) (sweep_trials_total)')).map((r) => r.metric.sweep).sort();
  // the most recent sweeps: the kept window, minus the slots the scheduled runs' summaries hold
  const kept = telemetry.recentSweeps();
  assert.equal(kept.length, KEEP);
  assert.deepEqual(sweeps, kept.filter((k) => k.startsWith('sweep-')).sort());
  assert.ok(sweeps.includes(`sweep-${SWEEPS - 1}`) && sweeps.length >= KEEP - 4, sweeps.join(', '));
});
