// /metrics of the other sweep processes, scraped by a real Prometheus: the embedded
// `sweep run --metrics-port N` while its trials run, and the standalone aggregator process
// (`node dist/workers/aggregator.js --metrics-port N`) fed by a real trainer through NATS
// JetStream (ingestion counted, live series during the trial, removed by its end event, lag).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveSpec } from '../../core/config/spec.js';
import type { TrialLaunch } from '../../activities/executor.js';
import { killAllChildren, spawnChild, type Child } from '../servers/children.js';
import { freePort } from '../servers/free-port.js';
import { startNats, type NatsServer } from '../servers/nats.js';
import { startPrometheus, type PrometheusServer } from '../servers/prometheus.js';
import { tinySpec, waitFor } from './cluster-helpers.js';

const CLI = fileURLToPath(new URL('../../workers/cli.js', import.meta.url));
const AGGREGATOR = fileURLToPath(new URL('../../workers/aggregator.js', import.meta.url));
const TRAINER = fileURLToPath(new URL('../../workers/trainer.js', import.meta.url));

let prom: PrometheusServer;
let nats: NatsServer;
const dir = mkdtempSync(join(tmpdir(), 'sweep-prom-proc-'));

before(async () => {
  // Scrapes every 250 ms so even a fast machine's trials are seen several times each.
  [prom, nats] = await Promise.all([startPrometheus({ scrapeIntervalSec: 0.25 }), startNats()]);
});

after(async () => {
  await prom?.stop();
  await nats?.stop();
  await killAllChildren();
  rmSync(dir, { recursive: true, force: true });
});

/** Trials of 5–50 s each (with sharpness, depending on the machine: about 1 s per 4000 steps on an
 *  AVX-512 Xeon): many scrapes each. */
function spec(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return tinySpec(name, {
    task: { kind: 'teacher-mlp', inputDim: 4, trainSize: 64, testSize: 32, teacherWidth: 8 },
    model: { width: 16, depth: 2 },
    train: { steps: 20000, batchSize: 16, evalEvery: 250, logEvalPoints: 0 },
    measure: { gradNorm: true, weightMovement: false, sharpness: { every: 100, iterations: 5, batchSize: 32 } },
    ...extra,
  });
}

async function scrapeOf(port: number, job: string): Promise<void> {
  await prom.setTargets([{ job, targets: [`127.0.0.1:${port}`] }]);
  await waitFor(`Prometheus scraping ${job}`, async () => (await prom.targets()).some((t) => t.labels.job === job && t.health === 'up'), 30_000);
}

test('sweep run --metrics-port: Prometheus scrapes the embedded run while its trials run', { timeout: 300_000 }, async () => {
  const file = join(dir, 'embedded.json');
  writeFileSync(file, JSON.stringify(spec('prom-embedded', { grid: { 'optimizer.lr': [0.03, 0.1, 0.3, 1], seed: [0, 1] } })));
  const port = await freePort();
  const run: Child = spawnChild(process.execPath, [CLI, 'run', file, '--out', join(dir, 'out'), '--parallel', '2', '--pack', 'off', '--metrics-port', String(port)]);
  const t0 = Date.now() / 1000;
  await waitFor('the run\'s /metrics endpoint', async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).ok, 60_000, 100);
  await scrapeOf(port, 'embedded');
  const seen = await waitFor('live series and finished trials of the embedded run', async () => {
    const live = await prom.query('sweep_trial_train_loss{sweep="prom-embedded",service="embedded"}');
    const sharp = await prom.query('sweep_trial_sharpness{sweep="prom-embedded"}');
    const done = await prom.query('sum(sweep_trials_total{sweep="prom-embedded"})');
    return live.length && sharp.length && done.length && Number(done[0].value[1]) >= 2 ? { live, done } : undefined;
  }, 120_000, 250);
  assert.ok(seen.live.every((s) => s.metric.job === 'embedded' && Number.isFinite(Number(s.value[1]))));
  const exit = await run.exited;
  assert.equal(exit.code, 0, run.output().slice(-2000));
  assert.match(run.output(), new RegExp(`metrics on http://127\\.0\\.0\\.1:${port}/metrics`));
  // While it ran, each trial's live curve was scraped and ended with its trial.
  const curves = await prom.query('count_over_time(sweep_trial_train_loss{sweep="prom-embedded"}[1h])');
  assert.ok(curves.length >= 6, `live curves of ${curves.length} of 8 trials`);
  const running = await prom.queryRange('sum(sweep_trials_running{sweep="prom-embedded"})', t0, Date.now() / 1000, 0.25);
  // a trial per worker (--pack off), so the gauge shows the two workers' trials
  assert.ok(running[0].values.some(([, v]) => Number(v) === 2), 'two trials ran at once');
});

test('a bad --metrics-port is a one-line usage error and nothing runs', async () => {
  const file = join(dir, 'bad.json');
  writeFileSync(file, JSON.stringify(spec('prom-bad')));
  const run = spawnChild(process.execPath, [CLI, 'run', file, '--out', join(dir, 'bad-out'), '--metrics-port', 'lots']);
  const exit = await run.exited;
  assert.equal(exit.code, 2);
  assert.equal(run.output().trim(), 'sweep: --metrics-port: must be a port number 0-65535, got "lots"');
  assert.equal(existsSync(join(dir, 'bad-out')), false, 'no output folder was created');
});

test('the aggregator process exposes ingestion, lag and the live series of a trainer publishing through NATS', { timeout: 300_000 }, async () => {
  const port = await freePort();
  const agg = spawnChild(process.execPath, [AGGREGATOR, '--nats', nats.url, '--metrics-port', String(port)]);
  await waitFor('the aggregator\'s /metrics endpoint', async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).ok, 60_000, 100);
  await waitFor('the aggregator consuming', () => new RegExp(`consuming .* metrics on http://127\\.0\\.0\\.1:${port}/metrics`).test(agg.output()), 30_000, 100);
  await scrapeOf(port, 'aggregator');

  // A longer trial than the embedded ones: one trial alone must outlast several scrapes.
  const plan = resolveSpec(spec('prom-agg', { train: { steps: 12000, batchSize: 16, evalEvery: 50, logEvalPoints: 0 } })).plans[0];
  const launch: TrialLaunch = { sweepId: 'prom-agg', trialId: plan.id, attempt: 1, config: plan.config, nats: { servers: [nats.url] } };
  const launchFile = join(dir, 'launch.json');
  writeFileSync(launchFile, JSON.stringify(launch));
  const t0 = Date.now() / 1000;
  const trainer = spawnChild(process.execPath, [TRAINER, launchFile]);
  const live = await waitFor('the running trial\'s live loss in Prometheus', async () => {
    const r = await prom.query(`sweep_trial_train_loss{sweep="prom-agg",trial="${plan.id}"}`);
    return r.length ? r : undefined;
  }, 120_000, 250);
  assert.equal(live[0].metric.service, 'aggregator');
  assert.equal((await trainer.exited).code, 0, trainer.output().slice(-2000));

  // After the finished event: the live series is gone; every stored message was counted.
  const evaluations = 12000 / 50 + 1;
  await waitFor('the aggregator to count every message', async () => {
    const m = await prom.query('sweep_metric_messages_ingested_total{stream="metrics"}');
    const e = await prom.query('sweep_metric_messages_ingested_total{stream="events"}');
    return m.length && Number(m[0].value[1]) === evaluations && e.length && Number(e[0].value[1]) === 2;
  }, 60_000, 250);
  await prom.waitForScrape({ sinceMs: Date.now() });
  assert.deepEqual(await prom.query('sweep_trial_train_loss{sweep="prom-agg"}'), []);
  // Raw samples stored while the trial ran: one per scrape.
  const scrapes = await prom.query(`count_over_time(sweep_trial_train_loss{trial="${plan.id}"}[1h])`);
  assert.equal(scrapes.length, 1);
  assert.ok(Number(scrapes[0].value[1]) >= 2, `the live curve was scraped ${scrapes[0].value[1]} times in ${(Date.now() / 1000 - t0).toFixed(1)} s`);
  // The lag is reported per stream and drains to 0.
  await waitFor('lag 0 on both streams', async () => {
    const lag = await prom.query('sweep_aggregator_lag_messages');
    return lag.length === 2 && lag.every((s) => Number(s.value[1]) === 0);
  }, 30_000, 250);
  await agg.kill('SIGTERM');
});
