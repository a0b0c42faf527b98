// The orchestrator worker (a real process) is SIGKILLed mid-sweep and a new one started: the
// sweep completes with every trial exactly once (one trial workflow per trial, one record,
// every evaluation point once), and the dead worker's trainer processes do not survive it. The
// same with packs, which run as activities of the sweep: the pack in flight at the kill is
// retried on the new worker, and still every trial is recorded once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { resolveSpec } from '../../core/config/spec.js';
import { SweepClient } from '../../client/sweep-client.js';
import { startNats, type NatsServer } from '../servers/nats.js';
import { startTemporal, type TemporalServer } from '../servers/temporal.js';
import { killAllChildren, type Child } from '../servers/children.js';
import { startOrchestratorProcess } from '../servers/orchestrator.js';
import { readFolder, tinySpec, trainerPids, waitFor } from './cluster-helpers.js';

let nats: NatsServer;
let temporal: TemporalServer;
let client: SweepClient;
const dirs: string[] = [];
const tag = randomUUID();

before(async () => {
  [nats, temporal] = await Promise.all([startNats(), startTemporal()]);
  client = await SweepClient.connect({ temporal: temporal.address, nats: nats.url, taskQueue: 'it-kill' });
});

after(async () => {
  await client?.close().catch(() => undefined);
  await killAllChildren();
  await temporal?.stop();
  await nats?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('SIGKILL of the orchestrator worker mid-sweep: a new worker completes it, every trial exactly once', { timeout: 900_000 }, async () => {
  const spec = tinySpec('worker-kill', {
    train: { steps: 150, batchSize: 16, evalEvery: 25, logEvalPoints: 0 },
    grid: { seed: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'optimizer.lr': [0.05, 0.2] },
    // a trial workflow and a trainer per trial (packed retries: cluster-pack.test.ts)
    execution: { parallelism: 2, maxAttempts: 4, pack: 'off' },
  });
  const plans = resolveSpec(spec).plans;
  assert.equal(plans.length, 20);
  const start = () => startOrchestratorProcess({
    temporal: temporal.address, nats: nats.url, taskQueue: 'it-kill', maxTrials: 2, env: { SWEEP_TEST_TAG: tag },
  });
  let worker: Child = await start();
  const sub = await client.submit({ document: spec }, { options: { heartbeatTimeoutMs: 5000, retryInitialIntervalMs: 200 } });

  // Kill once some trials are done and two are running.
  await waitFor('trials finished and running', async () => {
    const s = await client.status(sub.sweepId);
    return s.progress && s.progress.finished >= 4 && trainerPids(tag).length >= 1;
  }, 300_000);
  const orphans = trainerPids(tag);
  worker.proc.kill('SIGKILL'); // the worker only: its trainers must notice on their own
  await worker.exited;
  await waitFor('trainers of the killed worker to exit', () => trainerPids(tag).length === 0, 30_000);
  for (const pid of orphans) assert.equal(trainerPids(tag).includes(pid), false, `trainer ${pid} survived its worker`);

  worker = await start();
  const result = await client.wait(sub.sweepId);
  assert.equal(result.finished, 20);
  assert.deepEqual(result.counts, { succeeded: 20, diverged: 0, failed: 0, cancelled: 0 });

  // One trial workflow per trial, each run once.
  const runsById = new Map<string, number>();
  for await (const w of client.temporal.workflow.list({ query: `WorkflowType = 'trialWorkflow'` })) {
    if (!w.workflowId.startsWith(`${sub.sweepId}/`)) continue;
    runsById.set(w.workflowId, (runsById.get(w.workflowId) ?? 0) + 1);
  }
  assert.equal(runsById.size, 20);
  for (const [id, n] of runsById) assert.equal(n, 1, `${id} ran once`);

  const dir = mkdtempSync(join(tmpdir(), 'sweep-kill-'));
  dirs.push(dir);
  await client.report(sub.sweepId, dir);
  const { trials, metrics } = readFolder(dir);
  assert.deepEqual(trials.map((t) => t.id).sort(), plans.map((p) => p.id).sort(), 'each planned trial recorded once');
  const expected = [0, 25, 50, 75, 100, 125, 150];
  for (const t of trials) {
    const steps = metrics.filter((m) => m.trialId === t.id).map((m) => m.step).sort((a, b) => a - b);
    assert.deepEqual(steps, expected, `evaluation points of ${t.id}`);
  }
  assert.ok(trials.some((t) => (t.attempt ?? 1) > 1), 'a trial in flight at the kill was retried');
  // The aggregator is eventually consistent: messages the killed worker had in hand come back
  // after the ack wait (30 s).
  const summaries = await waitFor('aggregated summaries', async () => {
    const s = await client.trialSummaries(sub.sweepId);
    return s.length === 20 && s.every((t) => t.status === 'succeeded' && t.metrics === expected.length) ? s : undefined;
  }, 90_000, 1000);
  assert.equal(summaries.length, 20);
  for (const s of summaries) {
    assert.equal(s.status, 'succeeded');
    assert.equal(s.metrics, expected.length, `aggregated points of ${s.trialId}`);
  }
  await worker.kill('SIGTERM');
  assert.deepEqual(trainerPids(tag), []);
});

test('SIGKILL of the orchestrator worker mid-pack: the pack activity is retried on a new worker, every trial exactly once', { timeout: 900_000 }, async () => {
  const spec = tinySpec('worker-kill-pack', {
    train: { steps: 150, batchSize: 16, evalEvery: 25, logEvalPoints: 0 },
    grid: { seed: [0, 1, 2, 3, 4, 5], 'optimizer.lr': [0.05, 0.2] },
    // packs of two (half the window), each a runTrialPack activity of the sweep
    execution: { parallelism: 4, maxAttempts: 4, pack: 'auto' },
  });
  const plans = resolveSpec(spec).plans;
  assert.equal(plans.length, 12);
  const start = () => startOrchestratorProcess({
    temporal: temporal.address, nats: nats.url, taskQueue: 'it-kill', maxTrials: 4, env: { SWEEP_TEST_TAG: tag },
  });
  let worker: Child = await start();
  const sub = await client.submit({ document: spec }, { options: { heartbeatTimeoutMs: 5000, retryInitialIntervalMs: 200 } });

  await waitFor('trials finished and a pack running', async () => {
    const s = await client.status(sub.sweepId);
    return s.progress && s.progress.finished >= 2 && s.progress.finished < 10 && trainerPids(tag).length >= 1;
  }, 300_000, 100);
  const orphans = trainerPids(tag);
  worker.proc.kill('SIGKILL');
  await worker.exited;
  await waitFor('trainers of the killed worker to exit', () => trainerPids(tag).length === 0, 30_000);
  for (const pid of orphans) assert.equal(trainerPids(tag).includes(pid), false, `trainer ${pid} survived its worker`);

  worker = await start();
  const result = await client.wait(sub.sweepId);
  assert.equal(result.finished, 12);
  assert.deepEqual(result.counts, { succeeded: 12, diverged: 0, failed: 0, cancelled: 0 });

  // no pack or trial workflows: the packs ran as the sweep's activities
  const children: string[] = [];
  for await (const w of client.temporal.workflow.list()) if (w.workflowId.startsWith(`${sub.sweepId}/`)) children.push(w.workflowId);
  assert.deepEqual(children, []);
  const h = await client.temporal.workflow.getHandle(sub.sweepId).fetchHistory();
  const attempts = (h.events ?? []).flatMap((e) => e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt ?? 1] : []);
  assert.ok(attempts.some((a) => a > 1), `an activity in flight at the kill was retried (attempts ${attempts.join(', ')})`);

  const dir = mkdtempSync(join(tmpdir(), 'sweep-kill-pack-'));
  dirs.push(dir);
  await client.report(sub.sweepId, dir);
  const { trials, metrics } = readFolder(dir);
  assert.deepEqual(trials.map((t) => t.id).sort(), plans.map((p) => p.id).sort(), 'each planned trial recorded once');
  const expected = [0, 25, 50, 75, 100, 125, 150];
  for (const t of trials) {
    const steps = metrics.filter((m) => m.trialId === t.id).map((m) => m.step).sort((a, b) => a - b);
    assert.deepEqual(steps, expected, `evaluation points of ${t.id}`);
  }
  assert.ok(trials.some((t) => (t.attempt ?? 1) > 1), 'a member in flight at the kill was retried');
  await worker.kill('SIGTERM');
  assert.deepEqual(trainerPids(tag), []);
});
