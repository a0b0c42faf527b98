// End to end: the orchestrator worker process (`node dist/workers/orchestrator.js --metrics-port
// N`, aggregator inside) runs real sweeps submitted through Temporal, its trainers publish to
// NATS, and a real Prometheus scrapes the worker every second. Checked: the live loss and
// sharpness of running trials are scraped during the sweep and gone after it; outcome counts,
// durations, time to start and ingestion match what the sweep did; the science series equal
// summary.json; the dashboards' core panels return data for the sweep; two runs of a Temporal
// schedule give the nightly pair (identical runs: no drift).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedFiles, REPO_ROOT } from '../../charts/src/generate.js';
import type { Summary } from '../../core/analysis/summary.js';
import { SweepClient } from '../../client/sweep-client.js';
import { describeGroup } from '../../core/analysis/groups.js';
import { killAllChildren, spawnChild, type Child } from '../servers/children.js';
import { freePort } from '../servers/free-port.js';
import { startNats, type NatsServer } from '../servers/nats.js';
import { startPrometheus, type PrometheusServer } from '../servers/prometheus.js';
import { startTemporal, type TemporalServer } from '../servers/temporal.js';
import { workflowBundlePath } from '../servers/workflow-bundle.js';
import { tinySpec, waitFor } from './cluster-helpers.js';

const ORCHESTRATOR = fileURLToPath(new URL('../../workers/orchestrator.js', import.meta.url));
const QUEUE = 'it-prometheus';

let temporal: TemporalServer;
let nats: NatsServer;
let prom: PrometheusServer;
let worker: Child;
let client: SweepClient;
let metricsPort = 0;
const dirs: string[] = [];

before(async () => {
  [temporal, nats] = await Promise.all([startTemporal(), startNats()]);
  const bundle = await workflowBundlePath();
  metricsPort = await freePort();
  worker = spawnChild(process.execPath, [ORCHESTRATOR, '--temporal', temporal.address, '--nats', nats.url, '--task-queue', QUEUE,
    '--max-trials', '2', '--workflow-bundle', bundle, '--metrics-port', String(metricsPort)], { env: { ...process.env, SWEEP_LOG_LEVEL: 'ERROR' } });
  await waitFor('the worker\'s /metrics endpoint', async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).ok, 60_000);
  prom = await startPrometheus({ targets: [{ job: 'orchestrator', targets: [`127.0.0.1:${metricsPort}`] }] });
  client = await SweepClient.connect({ temporal: temporal.address, nats: nats.url, taskQueue: QUEUE });
});

after(async () => {
  await client?.close().catch(() => undefined);
  await worker?.kill('SIGTERM');
  await prom?.stop();
  await temporal?.stop();
  await nats?.stop();
  await killAllChildren();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const num = (v: string) => Number(v);

/** A sweep of width × lr with sharpness, long enough (≈3 s per trial) to be scraped while it runs. */
function transferSpec(name: string, steps = 1500): Record<string, unknown> {
  return tinySpec(name, {
    task: { kind: 'teacher-mlp', inputDim: 4, trainSize: 64, testSize: 32, teacherWidth: 8 },
    model: { width: 16, depth: 2 },
    train: { steps, batchSize: 16, evalEvery: 20, logEvalPoints: 0 },
    measure: { gradNorm: true, weightMovement: false, sharpness: { every: 100, iterations: 5, batchSize: 32 } },
    grid: { 'model.width': [8, 16, 32], 'optimizer.lr': [0.03, 0.1, 0.3, 1e5] },
    analysis: { lrTransfer: { bootstrap: 50 }, sharpness: {} },
    execution: { parallelism: 2 },
  });
}

async function report(sweepId: string): Promise<Summary> {
  const dir = mkdtempSync(join(tmpdir(), 'sweep-prom-e2e-'));
  dirs.push(dir);
  await client.report(sweepId, dir);
  return JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
}

test('Prometheus scrapes the orchestrator worker during a sweep: live series while trials run, outcomes and fits after', { timeout: 400_000 }, async () => {
  const t0 = Date.now() / 1000;
  const sub = await client.submit({ document: transferSpec('prom-e2e') }, { options: { heartbeatTimeoutMs: 20_000 } });
  const id = sub.sweepId;
  // While it runs: the worker's live series of its running trials reach Prometheus.
  const live = await waitFor('live loss and sharpness of running trials in Prometheus', async () => {
    const loss = await prom.query(`sweep_trial_train_loss{sweep="${id}"}`);
    const sharp = await prom.query(`sweep_trial_sharpness{sweep="${id}"}`);
    const running = await prom.query(`sweep_trials_running{sweep="${id}"} > 0`);
    return loss.length && sharp.length && running.length ? { loss, sharp } : undefined;
  }, 120_000, 250);
  for (const s of live.loss) {
    assert.equal(s.metric.job, 'orchestrator');
    assert.equal(s.metric.service, 'orchestrator');
    assert.ok(Number.isFinite(num(s.value[1])));
  }
  const result = await client.wait(id);
  assert.equal(result.finished, 12);
  await prom.waitForScrape({ sinceMs: Date.now() });
  const t1 = Date.now() / 1000;

  const targets = await prom.targets();
  assert.deepEqual(targets.map((t) => [t.labels.job, t.health]), [['orchestrator', 'up']]);

  // Outcomes: the counters agree with the workflow's result (lr 1e5 diverges at every width).
  const outcomes = await prom.query(`sum by (outcome) (sweep_trials_total{sweep="${id}"})`);
  assert.deepEqual(Object.fromEntries(outcomes.map((s) => [s.metric.outcome, num(s.value[1])])), { ...result.counts });
  assert.equal(result.counts.diverged, 3);
  assert.equal(num((await prom.query(`sum(sweep_trials_running{sweep="${id}"})`))[0].value[1]), 0);
  // Every trial's duration and time to start was observed once.
  assert.equal(num((await prom.query('sum(sweep_trial_duration_seconds_count)'))[0].value[1]), 12);
  assert.equal(num((await prom.query('sweep_pod_start_seconds_count'))[0].value[1]), 12);
  // The live series are gone now that every trial ended, but Prometheus kept their curves.
  assert.deepEqual(await prom.query(`sweep_trial_train_loss{sweep="${id}"}`), []);
  const curves = await prom.queryRange(`sweep_trial_train_loss{sweep="${id}"}`, t0, t1, 1);
  assert.ok(curves.length >= 2, `live curves of ${curves.length} trials were scraped`);
  // Ingestion: at least every stored evaluation point and lifecycle event went through the aggregator.
  const summaries = await client.trialSummaries(id);
  const points = summaries.reduce((n, s) => n + s.metrics, 0);
  const ingested = num((await prom.query('sweep_metric_messages_ingested_total{stream="metrics"}'))[0].value[1]);
  assert.ok(ingested >= points && points > 12 * 50, `ingested ${ingested} metric messages for ${points} stored points`);
  assert.ok((await prom.query('sweep_aggregator_lag_messages')).length >= 1, 'the consumer lag is reported');

  // Science: the worker exported summary.json's fits for this sweep.
  const summary = await report(id);
  assert.ok(summary.lrTransfer.length >= 1, `lrTransfer in summary.json: ${JSON.stringify({ axes: summary.axes, notes: summary.notes, missing: summary.missing })}`);
  for (const g of summary.lrTransfer) {
    const group = describeGroup(g.group);
    const slope = await prom.query(`sweep_transfer_slope{sweep="${id}",group="${group}"}`);
    if (g.slope === null) assert.deepEqual(slope, []);
    else assert.equal(num(slope[0].value[1]), g.slope);
    const lrs = await prom.query(`sweep_optimal_lr{sweep="${id}",group="${group}"}`);
    assert.deepEqual(lrs.map((s) => [num(s.metric.width), num(s.value[1])]).sort((a, b) => a[0] - b[0]), g.optimalLr.map((o) => [o.width, o.lr]));
  }
  assert.ok(summary.lrTransfer.some((g) => g.optimalLr.length === 3), 'η* at each of the 3 widths');
  if (summary.sharpness[0]?.consistency != null) {
    assert.equal(num((await prom.query(`sweep_sharpness_spread{sweep="${id}"}`))[0].value[1]), summary.sharpness[0].consistency);
  }

  // The dashboards' panels that a plain sweep feeds all return data for it.
  const mustHaveData = ['Trial throughput by outcome', 'Trial outcomes', 'Running trials', 'Running trials by sweep', 'Failure rate', 'Trial duration',
    'Pending pods', 'Longest pending wait', 'Time to start', 'Messages ingested', 'Aggregator lag', 'Live trials reporting', 'CPU', 'Resident memory',
    'Event loop lag (p99)', 'Training loss (running trials)', 'Test loss (running trials)', 'Sharpness (running trials)', 'Optimal learning rate vs width',
    'Transfer slope d log η* / d log width', 'Transfer gap'];
  const seen: string[] = [];
  for (const f of generatedFiles().filter((x) => x.path.endsWith('.json'))) {
    const dash = JSON.parse(f.content) as { panels: { type: string; title: string; targets?: { expr: string; instant?: boolean }[] }[] };
    for (const p of dash.panels.filter((x) => mustHaveData.includes(x.title))) {
      for (const t of p.targets ?? []) {
        // $__rate_interval: a window several scrapes wide but short enough for a sweep of a minute
        const expr = t.expr.replaceAll('$__rate_interval', '10s').replaceAll('$sweep', id);
        const r = t.instant ? (await prom.query(expr)).map((s) => [s.value]) : (await prom.queryRange(expr, t0, t1, 1)).map((s) => s.values);
        assert.ok(r.some((vals) => vals.some(([, v]) => Number.isFinite(num(v)))), `"${p.title}": ${expr} returned no data`);
      }
      seen.push(p.title);
    }
  }
  assert.deepEqual([...new Set(seen)].sort(), [...mustHaveData].sort());
});

test('two runs of a Temporal schedule export the nightly pair; identical runs show no drift', { timeout: 400_000 }, async () => {
  const spec = tinySpec('canary', {
    train: { steps: 60, batchSize: 16, evalEvery: 20, logEvalPoints: 0 },
    grid: { 'model.width': [8, 16], 'optimizer.lr': [0.03, 0.1, 0.3] },
    analysis: { lrTransfer: { bootstrap: 20 } },
    execution: { parallelism: 2 },
  });
  await client.createSchedule('canary', '0 2 * * *', { document: spec });
  const runs: string[] = [];
  for (let i = 0; i < 2; i++) {
    await client.triggerSchedule('canary');
    const sweepId = await waitFor('the scheduled sweep', async () => (await client.describeSchedule('canary')).recentSweeps.find((s) => !runs.includes(s)), 60_000);
    await client.wait(sweepId);
    runs.push(sweepId);
    // Temporal names a scheduled run `<schedule>-<time>` (seconds): the next trigger gets a new name.
    await new Promise((r) => setTimeout(r, 1100));
  }
  assert.ok(runs.every((r) => r.startsWith('canary-')), runs.join(', '));
  const info = await waitFor('the nightly pair in Prometheus', async () => {
    const r = await prom.query('sweep_nightly_run_info{schedule="canary"}');
    return r.length && r[0].metric.previous_sweep ? r : undefined;
  }, 60_000);
  assert.deepEqual(info.map((s) => [s.metric.sweep, s.metric.previous_sweep]), [[runs[1], runs[0]]]);
  const diff = await prom.query('sweep_nightly_transfer_slope{schedule="canary"} - sweep_nightly_previous_transfer_slope{schedule="canary"}');
  assert.ok(diff.length >= 1, 'the transfer slope of each group is compared');
  for (const d of diff) assert.equal(num(d.value[1]), 0, 'the same spec on the same code gives the same slope');
  await client.deleteSchedule('canary');
});

test('the generated rule file loads into the Prometheus that scrapes the worker', async () => {
  // Loading through the real server (not only promtool) catches anything its rule manager rejects.
  const rulesProm = await startPrometheus({ targets: [{ job: 'orchestrator', targets: [`127.0.0.1:${metricsPort}`] }], ruleFiles: [join(REPO_ROOT, 'charts/sweep/rules/sweep-alerts.yaml')] });
  try {
    await rulesProm.waitForScrape();
    await rulesProm.waitForRuleEvaluation(Date.now());
    const groups = await rulesProm.ruleGroups();
    assert.deepEqual(groups.map((g) => g.name).sort(), ['sweep-nightly', 'sweep-operations']);
    for (const g of groups) for (const r of g.rules) assert.equal(r.health, 'ok', `${r.name}: ${r.lastError ?? ''}`);
  } finally {
    await rulesProm.stop();
  }
});
