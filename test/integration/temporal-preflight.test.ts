// The coord-check preflight of a cluster sweep, on a real Temporal dev server and nats-server:
// `sweep submit` runs the coordCheckPreflight activity before the first page is planned; a
// failing check fails the sweep (non-retryable, naming the layer) with no trial planned or
// started; a passing one ends in the report folder (preflight.json, summary.json coordCheck[]).
// `sweep report` of a sweep without a final analysis (failed at its preflight, still running)
// carries the coord check too.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { TEST_VARIANTS_ENV } from '../../core/preflight/test-variants.js';
import { startCluster, type Cluster } from './cluster-fixture.js';
import { tinySpec, waitFor } from './cluster-helpers.js';

let cluster: Cluster;
const dirs: string[] = [];

before(async () => {
  cluster = await startCluster({ taskQueue: 'it-preflight' });
});

after(async () => {
  delete process.env[TEST_VARIANTS_ENV];
  await cluster?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const spec = (name: string) => tinySpec(name, {
  grid: { seed: [0, 1] },
  preflight: { coordCheck: { widths: [64, 128, 256], steps: 2, seeds: 2 } },
});

/** Names of the activities the sweep workflow scheduled, in order. */
async function scheduledActivities(sweepId: string): Promise<string[]> {
  const history = await cluster.client.temporal.workflow.getHandle(sweepId).fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    return name ? [name] : [];
  });
}

test('a failing coord check fails the submitted sweep before any planning, naming the output layer', { timeout: 300_000 }, async () => {
  process.env[TEST_VARIANTS_ENV] = 'mup-misscaled-output';
  try {
    const sub = await cluster.client.submit({ document: spec('pf-bad') });
    const err = await cluster.client.wait(sub.sweepId).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof WorkflowFailedError, `the sweep fails (${String(err)})`);
    const activity = err.cause;
    assert.ok(activity instanceof ActivityFailure);
    const app = activity.cause;
    assert.ok(app instanceof ApplicationFailure);
    assert.equal(app.type, 'PreflightFailed');
    assert.equal(app.nonRetryable, true);
    assert.match(app.message, /coord check failed: mup-misscaled-output layer 1 \(output\) step \d/);
    assert.deepEqual(await scheduledActivities(sub.sweepId), ['coordCheckPreflight'], 'one attempt, nothing planned');
    // its report: no trials, and the verdict that stopped it, named at the output layer
    const dir = mkdtempSync(join(tmpdir(), 'sweep-it-preflight-'));
    dirs.push(dir);
    const rep = await cluster.client.report(sub.sweepId, dir);
    assert.equal(rep.complete, false);
    assert.equal(rep.trials, 0);
    assert.ok(rep.files.includes('preflight.json'), `report files: ${rep.files.join(', ')}`);
    assert.equal(JSON.parse(readFileSync(join(dir, 'preflight.json'), 'utf8')).coordCheck.ok, false);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    const failed = summary.coordCheck.filter((e: { ok: boolean }) => !e.ok);
    assert.ok(failed.length > 0 && failed.every((e: { parametrization: string }) => e.parametrization === 'mup-misscaled-output'));
    assert.ok(failed.some((e: { layer: number }) => e.layer === 1), 'the output layer fails');
    assert.ok(summary.coordCheck.some((e: { parametrization: string; ok: boolean }) => e.parametrization === 'mup' && e.ok));
  } finally {
    delete process.env[TEST_VARIANTS_ENV];
  }
});

test('a passing coord check runs first, then the sweep; its result reaches the report folder', { timeout: 300_000 }, async () => {
  const sub = await cluster.client.submit({ document: spec('pf-ok') });
  const result = await cluster.client.wait(sub.sweepId);
  assert.equal(result.finished, 2);
  const acts = await scheduledActivities(sub.sweepId);
  assert.equal(acts[0], 'coordCheckPreflight');
  assert.equal(acts[1], 'planRound');
  const dir = mkdtempSync(join(tmpdir(), 'sweep-it-preflight-'));
  dirs.push(dir);
  const rep = await cluster.client.report(sub.sweepId, dir);
  assert.ok(rep.files.includes('preflight.json'), `report files: ${rep.files.join(', ')}`);
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  assert.ok(summary.coordCheck.length > 0);
  assert.ok(summary.coordCheck.every((e: { ok: boolean }) => e.ok));
});

test('--skip-preflight (options.skipPreflight): the sweep runs and the skip is recorded', { timeout: 300_000 }, async () => {
  process.env[TEST_VARIANTS_ENV] = 'mup-misscaled-output';
  try {
    const sub = await cluster.client.submit({ document: spec('pf-skip') }, { options: { skipPreflight: true } });
    const result = await cluster.client.wait(sub.sweepId);
    assert.equal(result.finished, 2);
    const dir = mkdtempSync(join(tmpdir(), 'sweep-it-preflight-'));
    dirs.push(dir);
    await cluster.client.report(sub.sweepId, dir);
    assert.equal(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).preflightSkipped, true);
  } finally {
    delete process.env[TEST_VARIANTS_ENV];
  }
});

test('sweep report of a sweep still running carries its coord check', { timeout: 300_000 }, async () => {
  // trials long enough to be running when the report is built
  const running = tinySpec('pf-running', {
    train: { steps: 1_000_000, batchSize: 16, evalEvery: 1000, logEvalPoints: 0 },
    grid: { seed: [0, 1] },
    preflight: { coordCheck: { widths: [64, 128, 256], steps: 2, seeds: 2 } },
  });
  const sub = await cluster.client.submit({ document: running });
  try {
    await waitFor('a trial running', async () => ((await cluster.client.status(sub.sweepId)).progress?.inFlight ?? 0) > 0, 120_000);
    const dir = mkdtempSync(join(tmpdir(), 'sweep-it-preflight-'));
    dirs.push(dir);
    const rep = await cluster.client.report(sub.sweepId, dir);
    assert.equal(rep.complete, false, 'partial results: the sweep is still running');
    assert.ok(rep.files.includes('preflight.json'), `report files: ${rep.files.join(', ')}`);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    assert.ok(summary.coordCheck.length > 0);
    assert.ok(summary.coordCheck.every((e: { ok: boolean }) => e.ok));
    assert.match(readFileSync(join(dir, 'report.html'), 'utf8'), /<h2>Coord check \(preflight\)<\/h2>/);
  } finally {
    await cluster.client.cancel(sub.sweepId, { wait: true });
  }
});
