// Nightly drift with the real Prometheus rule engine: the orchestrator's telemetry exports the
// analyses of scheduled sweeps (ids `<schedule>-<RFC 3339 time>`), Prometheus scrapes it every
// second and evaluates the shipped rule file every second. A stable pair of nightly runs fires
// nothing; a run whose transfer slope, widest-width η* and exponent moved fires the three drift
// alerts for the group that moved (and only it); the next stable run resolves them. A worker
// restarted between two nights finds the previous run in the SWEEP_SUMMARIES bucket (real NATS).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openSummariesKv, sweepKey } from '../../store/buckets.js';
import { connectNats } from '../../store/connect.js';
import { REPO_ROOT } from '../../charts/src/generate.js';
import type { Summary } from '../../core/analysis/summary.js';
import { createTelemetry, NIGHTLY, previousRunFromSummaries, type Telemetry } from '../../workers/telemetry/index.js';
import { killAllChildren } from '../servers/children.js';
import { startNats, type NatsServer } from '../servers/nats.js';
import { startPrometheus, type PrometheusServer } from '../servers/prometheus.js';
import { syntheticSummary } from '../unit/telemetry-fixtures.js';

const RULES = join(REPO_ROOT, 'charts/sweep/rules/sweep-alerts.yaml');
const DRIFT_ALERTS = ['SweepNightlyExponentDrift', 'SweepNightlyOptimalLrDrift', 'SweepNightlyTransferSlopeDrift'];
const MUP = 'model.parametrization=mup';
const SP = 'model.parametrization=sp';

let telemetry: Telemetry;
let prom: PrometheusServer;
let nats: NatsServer;
const summaries: Record<string, Summary> = {};

before(async () => {
  telemetry = await createTelemetry({ service: 'orchestrator', port: 0 });
  [prom, nats] = await Promise.all([
    startPrometheus({ targets: [{ job: 'orchestrator', targets: [`127.0.0.1:${telemetry.server!.port}`] }], ruleFiles: [RULES] }),
    startNats(),
  ]);
  // Stable pair: numbers move well within tolerance. Drift: µP's slope, η* and exponent move.
  summaries.n1 = await syntheticSummary({ sweepId: 'n1', slopes: { mup: 0, sp: -1 }, exponent: 0.5 });
  summaries.n2 = await syntheticSummary({ sweepId: 'n2', slopes: { mup: 0.03, sp: -0.97 }, exponent: 0.52 });
  summaries.n3 = await syntheticSummary({ sweepId: 'n3', slopes: { mup: -0.5, sp: -0.97 }, exponent: 0.72 });
});

after(async () => {
  await telemetry?.close();
  await prom?.stop();
  await nats?.stop();
  await killAllChildren();
});

const night = (d: number) => `canary-2031-05-0${d}T02:00:00Z`;

/** Exports a nightly analysis and waits until Prometheus scraped it and evaluated the rules on it. */
async function analysed(sweepId: string, summary: Summary): Promise<void> {
  await telemetry.sweepAnalyzed(sweepId, summary);
  const t = Date.now();
  await prom.waitForScrape({ sinceMs: t });
  await prom.waitForRuleEvaluation(Date.now());
}

async function firing(): Promise<Record<string, string>[]> {
  const alerts = await prom.alerts();
  return alerts.filter((a) => DRIFT_ALERTS.includes(a.labels.alertname)).map((a) => ({ ...a.labels, state: a.state }));
}

test('a stable pair of nightly runs fires no drift alert', { timeout: 60_000 }, async () => {
  await analysed(night(1), summaries.n1);
  await analysed(night(2), summaries.n2);
  // Both runs are in Prometheus and comparable: the differences exist and are small.
  const d = await prom.query(`abs(${NIGHTLY.transferSlope} - ${NIGHTLY.previousTransferSlope})`);
  assert.equal(d.length, 2, 'one difference per group');
  for (const s of d) assert.ok(Number(s.value[1]) < 0.1, `slope moved by ${s.value[1]}`);
  const info = await prom.query(NIGHTLY.runInfo);
  assert.deepEqual(info.map((s) => [s.metric.sweep, s.metric.previous_sweep]), [[night(2), night(1)]]);
  assert.deepEqual(await firing(), []);
  assert.deepEqual(await prom.query('ALERTS{category="nightly-drift"}'), []);
});

test('a drifted nightly run fires the three drift alerts for the group that moved, and the next stable run resolves them', { timeout: 60_000 }, async () => {
  await analysed(night(3), summaries.n3);
  const alerts = (await firing()).sort((a, b) => a.alertname.localeCompare(b.alertname));
  // The exponent comes from the width-only scaling grid (group "all trials"), the rest from µP's transfer group.
  const group = (name: string) => (name === 'SweepNightlyExponentDrift' ? 'all trials' : MUP);
  assert.deepEqual(alerts.map((a) => [a.alertname, a.state, a.group, a.schedule, a.sweep, a.previous_sweep]), DRIFT_ALERTS.map((name) => [name, 'firing', group(name), 'canary', night(3), night(2)]));
  assert.equal(alerts.find((a) => a.alertname === 'SweepNightlyOptimalLrDrift')!.width, '512', 'η* compared at the widest width');
  const viaQuery = await prom.query('ALERTS{alertstate="firing",category="nightly-drift"}');
  assert.equal(viaQuery.length, 3);
  assert.ok(viaQuery.every((s) => s.metric.group !== SP), 'the stable SP group does not alert');
  const full = (await prom.alerts()).find((a) => a.labels.alertname === 'SweepNightlyTransferSlopeDrift')!;
  assert.match(full.annotations.description, new RegExp(`moved by 0\\.5\\d\\d between nightly runs ${night(2)} and ${night(3)} \\(tolerance 0\\.2\\)`));

  // The next night matches this one: nothing has moved since, the alerts resolve.
  await analysed(night(4), summaries.n3);
  assert.deepEqual(await firing(), []);
  const sp = await prom.query(`${NIGHTLY.previousTransferSlope}{group="${SP}"}`);
  assert.equal(sp.length, 1);
});

test('a restarted worker compares tonight with the previous run stored in SWEEP_SUMMARIES', { timeout: 60_000 }, async () => {
  const nc = await connectNats({ servers: [nats.url], name: 'test' });
  try {
    const kv = await openSummariesKv(nc);
    // Older nights of this schedule, another schedule, and a submitted sweep share the bucket.
    await kv.put(sweepKey(night(1)), JSON.stringify(summaries.n1));
    await kv.put(sweepKey(night(3)), JSON.stringify(summaries.n3));
    await kv.put(sweepKey('other-2031-05-05T02:00:00Z'), JSON.stringify(summaries.n1));
    await kv.put(sweepKey('canary-20310505t020000z-ab12'), JSON.stringify(summaries.n1));
    const fresh = await createTelemetry({ service: 'orchestrator', processMetrics: false, previousRun: previousRunFromSummaries(() => openSummariesKv(nc)) });
    await fresh.sweepAnalyzed(night(5), summaries.n1);
    const info = (await fresh.registry.getSingleMetric(NIGHTLY.runInfo)!.get()).values;
    assert.deepEqual(info.map((v) => [v.labels.sweep, v.labels.previous_sweep]), [[night(5), night(3)]]);
    const prev = (await fresh.registry.getSingleMetric(NIGHTLY.previousTransferSlope)!.get()).values.find((v) => v.labels.group === MUP)!;
    assert.equal(prev.value, summaries.n3.lrTransfer.find((g) => g.group['model.parametrization'] === 'mup')!.slope);
    // The first night of a schedule has nothing to compare with.
    await fresh.sweepAnalyzed('new-2031-05-05T02:00:00Z', summaries.n1);
    const newInfo = (await fresh.registry.getSingleMetric(NIGHTLY.runInfo)!.get()).values.find((v) => v.labels.schedule === 'new')!;
    assert.equal(newInfo.labels.previous_sweep, '');
  } finally {
    await nc.close();
  }
});
