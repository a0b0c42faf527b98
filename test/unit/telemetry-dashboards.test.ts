// The generated Grafana dashboards and Prometheus rules: committed files match their sources,
// each dashboard has its `sweep` variable, every panel has queries on the Prometheus data
// source variable, and every series a panel or rule names is one the telemetry exports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { generatedFiles, REPO_ROOT } from '../../charts/src/generate.js';
import { DRIFT_TOLERANCE } from '../../charts/src/alerts.js';
import { createTelemetry } from '../../workers/telemetry/index.js';

interface GrafanaPanel {
  type: string;
  title: string;
  datasource?: { uid?: string };
  targets?: { expr: string; refId: string; datasource?: { uid?: string } }[];
}

function dashboards(): Record<string, { title: string; uid: string; panels: GrafanaPanel[]; templating: { list: { name: string; type: string; query?: unknown }[] } }> {
  const out: Record<string, ReturnType<typeof dashboards>[string]> = {};
  for (const f of generatedFiles()) if (f.path.endsWith('.json')) out[f.path] = JSON.parse(f.content);
  return out;
}

/** Names of the series the telemetry exports once every kind of event happened. */
async function exportedNames(): Promise<Set<string>> {
  const t = await createTelemetry({ service: 'names' });
  t.trialStarted('s', 'a');
  t.podPending('s', 'a', 1);
  t.podStarted('s', 'a', 1, 1);
  t.liveMetric('s', 'a', { step: 1, trainLoss: 1, testLoss: 1, sharpness: 1 });
  t.trialFinished('s', 'a', 'failed', 1);
  t.attemptFailed('s', 'b', 1, 'x', true);
  t.metricsIngested(1);
  t.consumerLag(1);
  t.apiError('x');
  const summary = { lrTransfer: [{ group: {}, slope: 0, transferGap: 0, optimalLr: [{ width: 1, lr: 1 }] }], scalingLaws: [{ group: {}, axis: 'a', metric: 'm', exponent: 1 }], sharpness: [{ group: {}, consistency: 0 }] };
  t.sweepSummary('s', summary);
  t.nightlyRun('n', { sweepId: 's', summary }, { sweepId: 'p', summary });
  const names = new Set<string>();
  for (const m of await t.registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(m.name + suffix);
  }
  return names;
}

const seriesIn = (expr: string) => [...expr.matchAll(/\b(sweep_[a-z0-9_]+)\b/g)].map((m) => m[1]);

test('generated dashboards and rules are up to date with charts/src (run `npm run dashboards`)', () => {
  for (const f of generatedFiles()) {
    const onDisk = readFileSync(join(REPO_ROOT, f.path), 'utf8');
    assert.equal(onDisk, f.content, `${f.path} is stale: run npm run dashboards`);
  }
});

test('dashboards: Sweep operations and Sweep science, each with a sweep variable and the panels asked for', () => {
  const d = dashboards();
  const ops = d['charts/sweep/dashboards/sweep-operations.json'];
  const sci = d['charts/sweep/dashboards/sweep-science.json'];
  assert.equal(ops.title, 'Sweep operations');
  assert.equal(sci.title, 'Sweep science');
  for (const dash of [ops, sci]) {
    const sweep = dash.templating.list.find((v) => v.name === 'sweep');
    assert.ok(sweep, `${dash.title} has a sweep variable`);
    assert.equal(sweep.type, 'query');
    assert.match(String(sweep.query), /^label_values\(sweep_[a-z_]+, sweep\)$/);
    assert.ok(dash.templating.list.some((v) => v.name === 'datasource' && v.type === 'datasource'));
  }
  const titles = (x: typeof ops) => x.panels.filter((p) => p.type !== 'row').map((p) => p.title);
  for (const want of ['Trial throughput by outcome', 'Trial outcomes', 'Pending pods', 'Time to start', 'Aggregator lag', 'Trial duration', 'API errors by kind']) {
    assert.ok(titles(ops).includes(want), `operations has "${want}"`);
  }
  for (const want of ['Training loss (running trials)', 'Test loss (running trials)', 'Sharpness (running trials)', 'Optimal learning rate vs width',
    'Transfer slope d log η* / d log width', 'Fitted scaling exponents', 'Super-consistency spread', 'Transfer slope over nightly runs',
    'η* at the widest width over nightly runs', 'Fitted exponents over nightly runs']) {
    assert.ok(titles(sci).includes(want), `science has "${want}"`);
  }
});

test('every panel queries the Prometheus data source variable, and every series it names is exported', async () => {
  const names = await exportedNames();
  for (const [path, dash] of Object.entries(dashboards())) {
    for (const p of dash.panels.filter((x) => x.type !== 'row')) {
      assert.ok(p.targets?.length, `${path}: "${p.title}" has queries`);
      assert.equal(p.datasource?.uid, '${datasource}');
      for (const t of p.targets!) {
        assert.equal(t.datasource?.uid, '${datasource}');
        const used = seriesIn(t.expr);
        assert.ok(used.length, `${path}: "${p.title}" query ${t.expr} names a sweep_ series`);
        for (const s of used) assert.ok(names.has(s), `${path}: "${p.title}" uses ${s}, which the telemetry does not export`);
      }
    }
  }
});

test('rule file: alerts for failure rate, pending pods, lag and nightly drift over exported series', async () => {
  const names = await exportedNames();
  const file = generatedFiles().find((f) => f.path.endsWith('sweep-alerts.yaml'))!;
  const rules = (parse(file.content) as { groups: { name: string; rules: { alert: string; expr: string; for?: string; annotations: Record<string, string> }[] }[] }).groups.flatMap((g) => g.rules);
  const alerts = rules.map((r) => r.alert);
  for (const want of ['SweepTrialFailureRateHigh', 'SweepPodsPendingTooLong', 'SweepAggregatorLagging', 'SweepNightlyTransferSlopeDrift', 'SweepNightlyOptimalLrDrift', 'SweepNightlyExponentDrift']) {
    assert.ok(alerts.includes(want), want);
  }
  for (const r of rules) {
    for (const s of seriesIn(r.expr)) assert.ok(names.has(s), `${r.alert} uses ${s}, which the telemetry does not export`);
    assert.ok(r.annotations.summary && r.annotations.description, `${r.alert} says what happened`);
  }
  const slope = rules.find((r) => r.alert === 'SweepNightlyTransferSlopeDrift')!;
  assert.match(slope.expr, new RegExp(`sweep_nightly_transfer_slope - sweep_nightly_previous_transfer_slope\\) > ${DRIFT_TOLERANCE.transferSlope}`));
  assert.equal(slope.for, undefined, 'a drift fires as soon as the run that moved is exported');
});
