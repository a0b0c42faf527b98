// Every panel of the shipped dashboards against a real Prometheus: a sweep's life is played
// through the orchestrator's hook seam (trials launched, pods pending then running, live
// metrics, outcomes including diverged and failed, an infrastructure failure, API errors,
// ingestion and lag, the real analysis summary, two nightly runs) while Prometheus scrapes the
// telemetry every second; then each panel's queries, with the dashboard variables filled in,
// must return data, and each variable's label_values query must offer the sweep.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generatedFiles } from '../../charts/src/generate.js';
import type { Outcome } from '../../core/outcome.js';
import { emptySummary } from '../../store/trial-summary.js';
import { createTelemetry, type Telemetry } from '../../workers/telemetry/index.js';
import { killAllChildren } from '../servers/children.js';
import { startPrometheus, type PrometheusServer } from '../servers/prometheus.js';
import { syntheticSummary } from '../unit/telemetry-fixtures.js';

const SWEEP = 'dash-20310504t020000z-ab12';
const SCHEDULE = 'canary';
/** what Grafana substitutes for $__rate_interval with a 1 s scrape interval (4 × scrape, at least) */
const RATE_INTERVAL = '5s';

let telemetry: Telemetry;
let prom: PrometheusServer;
let startSec = 0;
let endSec = 0;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  telemetry = await createTelemetry({ service: 'orchestrator', port: 0 });
  prom = await startPrometheus({ targets: [{ job: 'orchestrator', targets: [`127.0.0.1:${telemetry.server!.port}`] }] });
  await prom.waitForScrape();
  startSec = Date.now() / 1000;
  await playSweep(telemetry);
  await prom.waitForScrape({ sinceMs: Date.now() });
  endSec = Date.now() / 1000;
});

after(async () => {
  await telemetry?.close();
  await prom?.stop();
  await killAllChildren();
});

/** A sweep of 6 trials over ~10 s, reported the way the orchestrator worker and aggregator do. */
async function playSweep(t: Telemetry): Promise<void> {
  const h = t.hooks;
  const outcomes: Outcome[] = ['succeeded', 'succeeded', 'diverged', 'failed', 'succeeded', 'failed'];
  const trials = outcomes.map((outcome, i) => ({ info: { sweepId: SWEEP, trialId: `trial-${i}`, attempt: 1, executor: 'kubernetes' }, outcome, t0: 0 }));
  for (const tr of trials) {
    tr.t0 = Date.now();
    h.trialStarted?.(tr.info);
    h.trialPhase?.({ ...tr.info, phase: 'Pending', sinceLaunchMs: 0 });
  }
  await sleep(1500);
  for (const tr of trials) h.trialPhase?.({ ...tr.info, phase: 'Running', sinceLaunchMs: Date.now() - tr.t0 });
  h.trialAttemptFailed?.({ ...trials[5].info, kind: 'OOMKilled', retryable: true, message: 'container OOMKilled' });
  h.trialStarted?.({ ...trials[5].info, attempt: 2 });
  h.apiError('kubernetes');
  for (let step = 0; step < 8; step++) {
    for (const [i, tr] of trials.entries()) {
      const loss = (1 + i / 10) / (1 + step);
      h.trialSummary?.({ ...emptySummary(SWEEP, tr.info.trialId), metrics: step + 1, latest: { step: step * 10, trainLoss: loss, testLoss: loss * 1.2, sharpness: 2 + step / 4 } });
    }
    h.ingested?.('metrics', trials.length);
    h.ingested?.('events', step === 0 ? trials.length : 0);
    h.consumerLag?.('metrics', 8 - step);
    h.consumerLag?.('events', 0);
    if (step === 4) {
      h.apiError('nats');
      h.messageRejected?.('not-json');
      h.trialAttemptFailed?.({ ...trials[3].info, attempt: 2, kind: 'Evicted', retryable: true, message: 'node drained' });
    }
    await sleep(700);
  }
  for (const tr of trials) {
    h.trialSummary?.({ ...emptySummary(SWEEP, tr.info.trialId), status: tr.outcome });
    h.trialFinished?.({ ...tr.info, attempt: tr.info.trialId === 'trial-5' ? 2 : 1, outcome: tr.outcome, durationMs: Date.now() - tr.t0 });
    await sleep(150);
  }
  // The analysis activity, then two runs of the nightly schedule.
  h.sweepAnalyzed?.(SWEEP, await syntheticSummary({ sweepId: SWEEP, slopes: { mup: 0, sp: -1 }, exponent: 0.5 }));
  await t.sweepAnalyzed(`${SCHEDULE}-2031-05-01T02:00:00Z`, await syntheticSummary({ sweepId: 'n1', slopes: { mup: 0, sp: -1 }, exponent: 0.5 }));
  await t.sweepAnalyzed(`${SCHEDULE}-2031-05-02T02:00:00Z`, await syntheticSummary({ sweepId: 'n2', slopes: { mup: 0.02, sp: -0.98 }, exponent: 0.51 }));
  await sleep(1500);
}

interface Target { expr: string; instant?: boolean; refId: string }
interface Panel { type: string; title: string; targets?: Target[] }

const fill = (expr: string) => expr
  .replaceAll('$__rate_interval', RATE_INTERVAL)
  .replaceAll('$sweep', SWEEP)
  .replaceAll('$schedule', SCHEDULE);

const finite = (v: string) => Number.isFinite(Number(v));

for (const file of generatedFiles().filter((f) => f.path.endsWith('.json'))) {
  const dash = JSON.parse(file.content) as { title: string; panels: Panel[]; templating: { list: { name: string; type: string; query?: string }[] } };

  test(`${dash.title}: every panel's queries return data for the sweep`, { timeout: 120_000 }, async () => {
    const empty: string[] = [];
    let queries = 0;
    for (const p of dash.panels.filter((x) => x.type !== 'row')) {
      for (const t of p.targets ?? []) {
        queries++;
        const expr = fill(t.expr);
        if (t.instant) {
          const r = await prom.query(expr, endSec);
          if (!r.some((s) => finite(s.value[1]))) empty.push(`"${p.title}" ${t.refId}: ${expr}`);
        } else {
          const r = await prom.queryRange(expr, startSec, endSec, 1);
          if (!r.some((s) => s.values.some(([, v]) => finite(v)))) empty.push(`"${p.title}" ${t.refId}: ${expr}`);
        }
      }
    }
    assert.ok(queries >= 10, `${queries} queries`);
    assert.deepEqual(empty, [], 'queries without data');
  });

  test(`${dash.title}: template variables offer the sweep and the schedule`, async () => {
    for (const v of dash.templating.list.filter((x) => x.type === 'query')) {
      const m = /^label_values\((.+), (\w+)\)$/.exec(String(v.query));
      assert.ok(m, `${v.name}: ${v.query}`);
      const res = await fetch(`${prom.url}/api/v1/label/${m[2]}/values?${new URLSearchParams({ 'match[]': m[1], start: String(startSec), end: String(endSec) })}`);
      const body = (await res.json()) as { data: string[] };
      const want = v.name === 'schedule' ? SCHEDULE : SWEEP;
      assert.ok(body.data.includes(want), `${v.name} offers ${want}: ${JSON.stringify(body.data)}`);
    }
  });
}

test('live series of the sweep ended with their trials; science series are there for the analysed sweep', async () => {
  assert.deepEqual(await prom.query(`sweep_trial_train_loss{sweep="${SWEEP}"}`, endSec), []);
  const during = await prom.queryRange(`sweep_trial_train_loss{sweep="${SWEEP}"}`, startSec, endSec, 1);
  assert.equal(during.length, 6, 'one live curve per trial');
  for (const s of during) {
    const v = s.values.map(([, x]) => Number(x));
    assert.ok(v.length >= 3 && v[v.length - 1] < v[0], `${s.metric.trial}: the live loss fell while it ran (${v.join(', ')})`);
  }
  const outcomes = await prom.query(`sum by (outcome) (sweep_trials_total{sweep="${SWEEP}"})`, endSec);
  assert.deepEqual(Object.fromEntries(outcomes.map((s) => [s.metric.outcome, Number(s.value[1])])), { succeeded: 3, diverged: 1, failed: 2, cancelled: 0 });
  const widths = await prom.query(`sweep_optimal_lr{sweep="${SWEEP}",group="model.parametrization=sp"}`, endSec);
  assert.deepEqual(widths.map((s) => s.metric.width).sort((a, b) => Number(a) - Number(b)), ['64', '128', '256', '512']);
});
