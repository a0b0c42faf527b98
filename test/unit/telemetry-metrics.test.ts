// The telemetry registry and its series: operational counters/gauges/histograms, live series
// of running trials (removed at the end), per-sweep science gauges from a real analysis, the
// nightly current/previous pair, the hook adapter and the /metrics endpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Registry } from 'prom-client';
import { createRegistry, createTelemetry, LIVE, NIGHTLY, OPS, parseMetricsPort, SCIENCE, scheduledRun, telemetryFromFlags, type Telemetry } from '../../workers/telemetry/index.js';
import { emptySummary } from '../../store/trial-summary.js';
import { etaStar, syntheticSummary, TRANSFER_WIDTHS } from './telemetry-fixtures.js';

type Labels = Record<string, string | number>;

async function values(registry: Registry, name: string): Promise<{ labels: Labels; value: number; metricName?: string }[]> {
  const m = registry.getSingleMetric(name);
  assert.ok(m, `metric ${name} is registered`);
  return (await m.get()).values as { labels: Labels; value: number; metricName?: string }[];
}

async function value(registry: Registry, name: string, labels: Labels): Promise<number | undefined> {
  const all = await values(registry, name);
  const hit = all.find((v) => Object.entries(labels).every(([k, x]) => String(v.labels[k]) === String(x)) && Object.keys(v.labels).length === Object.keys(labels).length);
  return hit?.value;
}

function clock(start = 1_000_000): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => { t += ms; } };
}

test('registry: one per process part, process metrics prefixed sweep_, service label on every series', async () => {
  const a = createRegistry({ service: 'orchestrator' });
  const b = createRegistry({ service: 'aggregator', labels: { worker_id: 'w1' } });
  const text = await b.metrics();
  assert.match(text, /^sweep_process_cpu_user_seconds_total\{worker_id="w1",service="aggregator"\} /m);
  assert.match(await a.metrics(), /^sweep_nodejs_eventloop_lag_seconds\{service="orchestrator"\} /m);
  for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) {
    assert.match(line, /^sweep_/, `every series is prefixed: ${line}`);
    assert.match(line, /service="aggregator"/);
  }
  assert.throws(() => createRegistry({ service: '' }), /service name must not be empty/);
});

test('operational: outcomes, running attempts, duration buckets up to 6 h, ingestion, lag, API errors', async () => {
  const t = await createTelemetry({ service: 'test', processMetrics: false });
  t.trialStarted('s1', 'a', 1);
  t.trialStarted('s1', 'b', 1);
  t.trialStarted('s1', 'b', 1); // the same attempt reported twice counts once
  assert.equal(await value(t.registry, OPS.running, { sweep: 's1' }), 2);
  t.trialFinished('s1', 'a', 'succeeded', 3 * 3600, 1);
  t.trialFinished('s1', 'b', 'diverged', 42, 1);
  assert.equal(await value(t.registry, OPS.running, { sweep: 's1' }), 0);
  assert.equal(await value(t.registry, OPS.trials, { sweep: 's1', outcome: 'succeeded' }), 1);
  assert.equal(await value(t.registry, OPS.trials, { sweep: 's1', outcome: 'diverged' }), 1);
  assert.equal(await value(t.registry, OPS.trials, { sweep: 's1', outcome: 'failed' }), 0, 'every outcome starts at 0 so increase() sees the first failure');
  const dur = await values(t.registry, OPS.duration);
  const bucket = (outcome: string, le: number | string) => dur.find((v) => v.metricName === `${OPS.duration}_bucket` && v.labels.outcome === outcome && String(v.labels.le) === String(le))?.value;
  assert.equal(bucket('succeeded', 7200), 0, 'a 3 h trial is above the 2 h bucket');
  assert.equal(bucket('succeeded', 14400), 1);
  assert.equal(bucket('succeeded', 21600), 1, 'buckets reach 6 h');
  assert.equal(bucket('diverged', 30), 0);
  assert.equal(bucket('diverged', 60), 1);

  t.metricsIngested(10);
  t.metricsIngested(5, 'events');
  t.metricsIngested(0);
  t.consumerLag(1234, 'metrics');
  assert.equal(await value(t.registry, OPS.ingested, { stream: 'metrics' }), 10);
  assert.equal(await value(t.registry, OPS.ingested, { stream: 'events' }), 5);
  assert.equal(await value(t.registry, OPS.lag, { stream: 'metrics' }), 1234);

  t.apiError('Kubernetes');
  t.apiError('kubernetes');
  for (let i = 0; i < 50; i++) t.apiError(`weird kind ${i}`);
  assert.equal(await value(t.registry, OPS.apiErrors, { kind: 'kubernetes' }), 2);
  const kinds = (await values(t.registry, OPS.apiErrors)).map((v) => v.labels.kind);
  assert.ok(kinds.length <= 31, `API error kinds are capped (got ${kinds.length})`);
  assert.equal(await value(t.registry, OPS.apiErrors, { kind: 'other' }), 50 - 29);
});

test('pods: pending count and oldest wait follow the clock; time to start observed once per attempt', async () => {
  const c = clock();
  const t = await createTelemetry({ service: 'test', processMetrics: false, now: c.now });
  t.trialStarted('s', 'a', 1);
  t.podPending('s', 'a', 1, c.now() - 2000);
  t.podPending('s', 'b', 1);
  c.advance(10_000);
  assert.equal(await value(t.registry, OPS.podsPending, {}), 2);
  assert.equal(await value(t.registry, OPS.podsPendingOldest, {}), 12);
  t.podStarted('s', 'a', 1, 12);
  t.podStarted('s', 'a', 1, 13); // a repeated phase report
  assert.equal(await value(t.registry, OPS.podsPending, {}), 1);
  assert.equal(await value(t.registry, OPS.podsPendingOldest, {}), 10);
  t.podPending('s', 'a', 1); // a started attempt does not become pending again
  assert.equal(await value(t.registry, OPS.podsPending, {}), 1);
  t.attemptFailed('s', 'b', 1, 'ImagePullBackOff', false);
  assert.equal(await value(t.registry, OPS.podsPending, {}), 0);
  assert.equal(await value(t.registry, OPS.podsPendingOldest, {}), 0);
  const start = await values(t.registry, OPS.podStart);
  assert.equal(start.find((v) => v.metricName === `${OPS.podStart}_count`)?.value, 1);
  assert.equal(start.find((v) => v.metricName === `${OPS.podStart}_sum`)?.value, 12);
  assert.equal(await value(t.registry, OPS.attemptFailures, { kind: 'imagepullbackoff', retryable: 'false' }), 1);
});

test('live series: latest values of running trials, removed when the trial ends, expired when it goes silent', async () => {
  const c = clock();
  const t = await createTelemetry({ service: 'test', processMetrics: false, now: c.now, liveTtlMs: 60_000, maxLiveTrials: 3 });
  t.liveMetric('s', 'a', { step: 10, trainLoss: 0.5, testLoss: 0.6, sharpness: 3 });
  t.liveMetric('s', 'a', { step: 20, trainLoss: 0.4 }); // no sharpness at this step: keep the last one
  t.liveMetric('s', 'a', { step: 30, trainLoss: Number.NaN }); // non-finite: keep the last finite one
  assert.equal(await value(t.registry, LIVE.step, { sweep: 's', trial: 'a' }), 30);
  assert.equal(await value(t.registry, LIVE.trainLoss, { sweep: 's', trial: 'a' }), 0.4);
  assert.equal(await value(t.registry, LIVE.sharpness, { sweep: 's', trial: 'a' }), 3);
  t.liveMetric('s', 'b', { step: 1, trainLoss: 1 });
  t.trialFinished('s', 'a', 'succeeded', 10);
  for (const name of Object.values(LIVE)) assert.equal(await value(t.registry, name, { sweep: 's', trial: 'a' }), undefined, `${name} removed at the end`);
  assert.equal(await value(t.registry, LIVE.trainLoss, { sweep: 's', trial: 'b' }), 1);

  // At most 3 trials: the least recently updated goes first.
  for (const id of ['c', 'd', 'e']) t.liveMetric('s', id, { step: 1, trainLoss: 1 });
  const trials = (await values(t.registry, LIVE.trainLoss)).map((v) => v.labels.trial).sort();
  assert.deepEqual(trials, ['c', 'd', 'e']);

  // Silent for longer than the time to live: gone at the next scrape.
  c.advance(30_000);
  t.liveMetric('s', 'e', { step: 2, trainLoss: 0.9 });
  c.advance(40_000);
  await t.registry.metrics();
  assert.deepEqual((await values(t.registry, LIVE.trainLoss)).map((v) => v.labels.trial), ['e']);
  t.trialEnded('s', 'e');
  assert.deepEqual(await values(t.registry, LIVE.step), []);
});

test('science: a real analysis summary becomes slope, gap, η* per width, exponents and spread per sweep', async () => {
  const t = await createTelemetry({ service: 'test', processMetrics: false });
  const summary = await syntheticSummary({ sweepId: 'sw', slopes: { mup: 0, sp: -1 }, exponent: 0.5 });
  t.sweepSummary('sw', summary);
  const mup = 'model.parametrization=mup';
  const sp = 'model.parametrization=sp';
  const slopeSp = await value(t.registry, SCIENCE.transferSlope, { sweep: 'sw', group: sp });
  assert.ok(slopeSp !== undefined && Math.abs(slopeSp - -1) < 0.05, `SP slope ≈ -1 (got ${slopeSp})`);
  const slopeMup = await value(t.registry, SCIENCE.transferSlope, { sweep: 'sw', group: mup });
  assert.ok(slopeMup !== undefined && Math.abs(slopeMup) < 0.05, `µP slope ≈ 0 (got ${slopeMup})`);
  for (const w of TRANSFER_WIDTHS) {
    const lr = await value(t.registry, SCIENCE.optimalLr, { sweep: 'sw', group: sp, width: w });
    assert.ok(lr !== undefined && Math.abs(Math.log(lr / etaStar(-1, w))) < 0.1, `SP η*(${w}) within 10% of ${etaStar(-1, w)} (got ${lr})`);
    const expected = summary.lrTransfer.find((g) => g.group['model.parametrization'] === 'sp')!.optimalLr.find((o) => o.width === w)!.lr;
    assert.equal(lr, expected, 'exported exactly as summary.json holds it');
  }
  assert.equal(await value(t.registry, SCIENCE.transferGap, { sweep: 'sw', group: sp }), summary.lrTransfer[1].transferGap);
  const exp = await value(t.registry, SCIENCE.exponent, { sweep: 'sw', group: 'all trials', axis: 'model.width', metric: 'testLoss' });
  assert.ok(exp !== undefined && Math.abs(exp - 0.5) < 0.02, `width exponent ≈ 0.5 (got ${exp})`);
  assert.equal(await value(t.registry, SCIENCE.sharpnessSpread, { sweep: 'sw', group: 'all trials' }), summary.sharpness[0].consistency);

  // Re-exporting replaces the label sets: a group that disappeared leaves no series behind.
  t.sweepSummary('sw', { lrTransfer: [{ group: { 'model.parametrization': 'mup' }, slope: 0.01, transferGap: null, optimalLr: [] }] });
  assert.deepEqual((await values(t.registry, SCIENCE.transferSlope)).map((v) => v.labels.group), [mup]);
  assert.deepEqual(await values(t.registry, SCIENCE.optimalLr), []);
  // A summary without analyses (an embedded run's counts only) or garbage gives no science series.
  t.sweepSummary('other', { trials: { succeeded: 3 } });
  t.sweepSummary('junk', 'not a summary');
  assert.equal((await values(t.registry, SCIENCE.transferSlope)).length, 1);
});

test('recent sweeps: per-sweep series of sweeps beyond the window are removed', async () => {
  const t = await createTelemetry({ service: 'test', processMetrics: false, keepSweeps: 3 });
  for (let i = 1; i <= 5; i++) {
    const s = `s${i}`;
    t.trialStarted(s, 'a');
    t.liveMetric(s, 'b', { trainLoss: 1 });
    t.trialFinished(s, 'a', 'succeeded', 1);
    t.sweepSummary(s, { lrTransfer: [{ group: {}, slope: 0, optimalLr: [{ width: 64, lr: 0.1 }] }] });
  }
  assert.deepEqual(t.recentSweeps(), ['s3', 's4', 's5']);
  for (const name of [OPS.trials, OPS.running, LIVE.trainLoss, SCIENCE.transferSlope, SCIENCE.optimalLr, SCIENCE.analyzedAt]) {
    const sweeps = new Set((await values(t.registry, name)).map((v) => String(v.labels.sweep)));
    assert.deepEqual([...sweeps].sort(), ['s3', 's4', 's5'], name);
  }
  // Activity brings a sweep to the front: s3 stays, s4 goes.
  t.trialStarted('s3', 'x');
  t.trialStarted('s6', 'x');
  assert.deepEqual(t.recentSweeps(), ['s5', 's3', 's6']);
});

test('nightly: tonight and the previous run side by side; the same run twice keeps the pair', async () => {
  const t = await createTelemetry({ service: 'test', processMetrics: false, keepSchedules: 2 });
  const first = await syntheticSummary({ sweepId: 'n1', slopes: { mup: 0 }, exponent: 0.5 });
  const second = await syntheticSummary({ sweepId: 'n2', slopes: { mup: -0.5 }, exponent: 0.7 });
  const g = 'model.parametrization=mup';
  t.nightlyRun('canary', { sweepId: 'n1', summary: first });
  assert.ok(Math.abs((await value(t.registry, NIGHTLY.transferSlope, { schedule: 'canary', group: g }))!) < 0.05);
  assert.deepEqual(await values(t.registry, NIGHTLY.previousTransferSlope), [], 'no previous run yet');
  assert.equal(await value(t.registry, NIGHTLY.runInfo, { schedule: 'canary', sweep: 'n1', previous_sweep: '' }), 1);

  t.nightlyRun('canary', { sweepId: 'n2', summary: second });
  const now = (await value(t.registry, NIGHTLY.transferSlope, { schedule: 'canary', group: g }))!;
  const before = (await value(t.registry, NIGHTLY.previousTransferSlope, { schedule: 'canary', group: g }))!;
  assert.ok(Math.abs(now - -0.5) < 0.05 && Math.abs(before) < 0.05, `pair (${before}, ${now})`);
  const widest = String(Math.max(...TRANSFER_WIDTHS));
  const lrNow = (await value(t.registry, NIGHTLY.optimalLrWidest, { schedule: 'canary', group: g, width: widest }))!;
  const lrBefore = (await value(t.registry, NIGHTLY.previousOptimalLrWidest, { schedule: 'canary', group: g, width: widest }))!;
  assert.ok(Math.abs(Math.log(lrNow / etaStar(-0.5, 512))) < 0.1 && Math.abs(Math.log(lrBefore / etaStar(0, 512))) < 0.1, `η* widest (${lrBefore}, ${lrNow})`);
  const expLabels = { schedule: 'canary', group: 'all trials', axis: 'model.width', metric: 'testLoss' };
  assert.ok(Math.abs((await value(t.registry, NIGHTLY.exponent, expLabels))! - 0.7) < 0.02);
  assert.ok(Math.abs((await value(t.registry, NIGHTLY.previousExponent, expLabels))! - 0.5) < 0.02);

  t.nightlyRun('canary', { sweepId: 'n2', summary: second }); // re-exported (worker retried the activity)
  assert.equal(await value(t.registry, NIGHTLY.runInfo, { schedule: 'canary', sweep: 'n2', previous_sweep: 'n1' }), 1);
  assert.equal((await values(t.registry, NIGHTLY.runInfo)).length, 1);

  // A restarted worker is told the previous run explicitly.
  const fresh = await createTelemetry({ service: 'test', processMetrics: false });
  fresh.nightlyRun('canary', { sweepId: 'n2', summary: second }, { sweepId: 'n1', summary: first });
  assert.equal(await value(fresh.registry, NIGHTLY.runInfo, { schedule: 'canary', sweep: 'n2', previous_sweep: 'n1' }), 1);
  assert.ok(Math.abs((await value(fresh.registry, NIGHTLY.previousExponent, expLabels))! - 0.5) < 0.02);

  // Schedules beyond the window lose their series.
  t.nightlyRun('b', { sweepId: 'b1', summary: first });
  t.nightlyRun('c', { sweepId: 'c1', summary: first });
  const schedules = new Set((await values(t.registry, NIGHTLY.transferSlope)).map((v) => v.labels.schedule));
  assert.deepEqual([...schedules].sort(), ['b', 'c']);
});

test('hooks: the orchestrator/aggregator seam drives the same series', async () => {
  const c = clock();
  const t: Telemetry = await createTelemetry({ service: 'test', processMetrics: false, now: c.now });
  const info = { sweepId: 's', trialId: 'a', attempt: 1, executor: 'kubernetes' };
  t.hooks.trialStarted?.(info);
  t.hooks.trialPhase?.({ ...info, phase: 'Pending', sinceLaunchMs: 3000 });
  c.advance(2000);
  assert.equal(await value(t.registry, OPS.podsPendingOldest, {}), 5);
  t.hooks.trialPhase?.({ ...info, phase: 'Running', sinceLaunchMs: 5000 });
  assert.equal(await value(t.registry, OPS.podsPending, {}), 0);
  const live = { ...emptySummary('s', 'a'), latest: { step: 5, trainLoss: 0.7, testLoss: 0.8, sharpness: 4 } };
  t.hooks.trialSummary?.(live);
  assert.equal(await value(t.registry, LIVE.testLoss, { sweep: 's', trial: 'a' }), 0.8);
  t.hooks.ingested?.('metrics', 7);
  t.hooks.consumerLag?.('events', 3);
  t.hooks.trialSummary?.({ ...live, status: 'succeeded' });
  assert.equal(await value(t.registry, LIVE.testLoss, { sweep: 's', trial: 'a' }), undefined);
  t.hooks.trialFinished?.({ ...info, outcome: 'succeeded', durationMs: 90_000 });
  t.hooks.trialAttemptFailed?.({ ...info, attempt: 2, kind: 'OOMKilled', retryable: true, message: 'x' });
  t.hooks.sweepAnalyzed?.('s', { lrTransfer: [{ group: {}, slope: -0.3, optimalLr: [] }] });
  t.hooks.apiError('nats');
  t.hooks.nightlyAnalyzed({ schedule: 'n', sweepId: 's', summary: { lrTransfer: [{ group: {}, slope: -0.3, optimalLr: [] }] } });
  assert.equal(await value(t.registry, OPS.ingested, { stream: 'metrics' }), 7);
  assert.equal(await value(t.registry, OPS.lag, { stream: 'events' }), 3);
  assert.equal(await value(t.registry, OPS.trials, { sweep: 's', outcome: 'succeeded' }), 1);
  assert.equal(await value(t.registry, OPS.attemptFailures, { kind: 'oomkilled', retryable: 'true' }), 1);
  assert.equal(await value(t.registry, SCIENCE.transferSlope, { sweep: 's', group: 'all trials' }), -0.3);
  assert.equal(await value(t.registry, OPS.apiErrors, { kind: 'nats' }), 1);
  assert.equal(await value(t.registry, NIGHTLY.transferSlope, { schedule: 'n', group: 'all trials' }), -0.3);
  const start = await values(t.registry, OPS.podStart);
  assert.equal(start.find((v) => v.metricName === `${OPS.podStart}_sum`)?.value, 5);
  // Embedded runs have no aggregator: their metric messages feed the live series directly.
  t.hooks.metric?.({ sweepId: 's', trialId: 'm', step: 3, trainLoss: 0.2, sharpness: 5 });
  assert.equal(await value(t.registry, LIVE.sharpness, { sweep: 's', trial: 'm' }), 5);
  t.hooks.trialFinished?.({ sweepId: 's', trialId: 'm', attempt: 1, executor: 'embedded', outcome: 'diverged', durationMs: 10 });
  assert.equal(await value(t.registry, LIVE.trainLoss, { sweep: 's', trial: 'm' }), undefined);
});

test('metrics flags: --metrics-port, SWEEP_METRICS_PORT fallback, one-line errors', async () => {
  assert.equal(parseMetricsPort('9464'), 9464);
  assert.equal(parseMetricsPort(0), 0);
  assert.throws(() => parseMetricsPort('x'), /^Error: --metrics-port: must be a port number 0-65535, got "x"$/);
  assert.throws(() => parseMetricsPort('70000', 'SWEEP_METRICS_PORT'), /SWEEP_METRICS_PORT: must be a port number 0-65535, got "70000"/);
  assert.equal(await telemetryFromFlags({}, { service: 'x' }, {}), undefined, 'no port: no endpoint');
  const t = await telemetryFromFlags({}, { service: 'x', processMetrics: false }, { SWEEP_METRICS_PORT: '0', SWEEP_METRICS_HOST: '127.0.0.1' });
  try {
    assert.ok(t?.server && t.server.port > 0);
    assert.equal((await fetch(t.server.url)).status, 200);
  } finally {
    await t?.close();
  }
  await assert.rejects(telemetryFromFlags({}, { service: 'x' }, { SWEEP_METRICS_PORT: 'nope' }), /SWEEP_METRICS_PORT: must be a port number/);
});

test('/metrics endpoint: Prometheus text format on loopback, 404 elsewhere, closes cleanly', async () => {
  const t = await createTelemetry({ service: 'endpoint', port: 0 });
  try {
    assert.ok(t.server);
    assert.equal(t.server.host, '127.0.0.1');
    t.trialStarted('s', 'a');
    const res = await fetch(t.server.url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), t.registry.contentType);
    const body = await res.text();
    assert.match(body, /^sweep_trials_running\{sweep="s",service="endpoint"\} 1$/m);
    assert.match(body, /^# TYPE sweep_trial_duration_seconds histogram$/m);
    assert.equal((await fetch(t.server.url.replace('/metrics', '/other'))).status, 404);
    assert.equal((await fetch(t.server.url.replace('/metrics', '/healthz'))).status, 200);
    assert.equal((await fetch(t.server.url, { method: 'POST' })).status, 405);
  } finally {
    await t.close();
  }
  await assert.rejects(fetch(t.server.url, { signal: AbortSignal.timeout(2000) }));
  await assert.rejects(createTelemetry({ service: 'x', port: 70000 }), /metrics port: must be a whole number 0-65535, got 70000/);
});

test('scheduled sweeps: `<schedule>-<RFC 3339 time>` ids feed the nightly pair; submitted sweeps do not', async () => {
  assert.deepEqual(scheduledRun('canary-2031-05-04T02:00:00Z'), { schedule: 'canary', timeMs: Date.parse('2031-05-04T02:00:00Z') });
  assert.deepEqual(scheduledRun('mup-vs-sp-2031-05-04T02:00:00Z')?.schedule, 'mup-vs-sp');
  assert.equal(scheduledRun('canary-20310504t020000z-ab12'), undefined, 'a submitted sweep id');
  assert.equal(scheduledRun('canary'), undefined);

  const looked: string[] = [];
  const old = { lrTransfer: [{ group: {}, slope: -0.1, optimalLr: [] }] };
  const t = await createTelemetry({
    service: 'test', processMetrics: false,
    previousRun: async (schedule, sweepId) => { looked.push(`${schedule} before ${sweepId}`); return { sweepId: 'canary-2031-05-03T02:00:00Z', summary: old }; },
  });
  const tonight = { lrTransfer: [{ group: {}, slope: -0.6, optimalLr: [] }] };
  await t.sweepAnalyzed('adhoc-20310504t020000z-ab12', tonight);
  assert.deepEqual(await values(t.registry, NIGHTLY.transferSlope), [], 'submitted sweeps are not nightly runs');
  assert.equal(await value(t.registry, SCIENCE.transferSlope, { sweep: 'adhoc-20310504t020000z-ab12', group: 'all trials' }), -0.6);

  // First run this process sees: the previous one is looked up (a restarted worker).
  await t.sweepAnalyzed('canary-2031-05-04T02:00:00Z', tonight);
  assert.deepEqual(looked, ['canary before canary-2031-05-04T02:00:00Z']);
  assert.equal(await value(t.registry, NIGHTLY.transferSlope, { schedule: 'canary', group: 'all trials' }), -0.6);
  assert.equal(await value(t.registry, NIGHTLY.previousTransferSlope, { schedule: 'canary', group: 'all trials' }), -0.1);
  // The next night is compared with the one remembered, without a lookup.
  await t.sweepAnalyzed('canary-2031-05-05T02:00:00Z', old);
  assert.equal(looked.length, 1);
  assert.equal(await value(t.registry, NIGHTLY.runInfo, { schedule: 'canary', sweep: 'canary-2031-05-05T02:00:00Z', previous_sweep: 'canary-2031-05-04T02:00:00Z' }), 1);
  // An older run analysed late (a re-run report) does not become tonight's.
  await t.sweepAnalyzed('canary-2031-05-01T02:00:00Z', tonight);
  assert.equal(await value(t.registry, NIGHTLY.transferSlope, { schedule: 'canary', group: 'all trials' }), -0.1);
  // The hook (called by the analysis activity) takes the same path.
  t.hooks.sweepAnalyzed?.('other-2031-05-05T02:00:00Z', tonight);
  await new Promise((r) => setImmediate(r));
  assert.equal(await value(t.registry, NIGHTLY.transferSlope, { schedule: 'other', group: 'all trials' }), -0.6);
});
