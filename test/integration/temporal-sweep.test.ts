// Sweeps through a real Temporal dev server and nats-server: the cluster run of a spec gives
// the same trials and final metrics as the embedded run; diverged trials and invalid setups
// are not retried, crashed trainers are; pause/resume and the progress query work.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveSpec } from '../../core/config/spec.js';
import { LineProgress } from '../../workers/embedded/progress.js';
import { runSweep } from '../../workers/embedded/runner.js';
import { LocalProcessExecutor } from '../../activities/local-executor.js';
import type { ExecutorContext, TrialExecutor, TrialLaunch } from '../../activities/executor.js';
import { SweepClient } from '../../client/sweep-client.js';
import { startCluster, type Cluster } from './cluster-fixture.js';
import { comparable, readFolder, tinySpec, waitFor } from './cluster-helpers.js';

let cluster: Cluster;
let client: SweepClient;
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'sweep-it-'));
  dirs.push(d);
  return d;
};

/** Real trainer processes; the first attempt of chosen trials is SIGKILLed mid-run (as the OOM killer would). */
class CrashFirstAttempt implements TrialExecutor {
  readonly name = 'local';
  readonly killed = new Set<string>();
  private readonly inner: LocalProcessExecutor;
  constructor(victims: () => Set<string>) {
    this.inner = new LocalProcessExecutor({
      heartbeatMs: 500,
      onProgress: (pid, step, launch) => {
        if (launch.attempt === 1 && step >= 400 && victims().has(launch.trialId) && !this.killed.has(launch.trialId)) {
          this.killed.add(launch.trialId);
          process.kill(pid, 'SIGKILL');
        }
      },
    });
  }
  run(launch: TrialLaunch, ctx: ExecutorContext) {
    return this.inner.run(launch, ctx);
  }
  close() {
    return this.inner.close();
  }
}
let victims = new Set<string>();
const crashing = new CrashFirstAttempt(() => victims);

before(async () => {
  cluster = await startCluster({ taskQueue: 'it-sweep', orchestrator: { executors: new Map([['local', crashing]]) } });
  ({ client } = cluster);
});

after(async () => {
  await cluster?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const fast = { heartbeatTimeoutMs: 10_000, retryInitialIntervalMs: 200 };

test('a 24-trial sweep through Temporal gives the same trials and final metrics as the embedded run', { timeout: 600_000 }, async () => {
  const spec = tinySpec('parity', {
    grid: { 'optimizer.lr': [0.05, 0.3, 1e5], 'model.width': [4, 8], seed: [0, 1, 2, 3] },
    execution: { parallelism: 2 },
  });
  const resolved = resolveSpec(spec);
  assert.equal(resolved.plans.length, 24);
  const sub = await client.submit({ document: spec }, { options: fast });
  const result = await client.wait(sub.sweepId);
  assert.equal(result.finished, 24);
  assert.equal(result.counts.failed, 0);
  assert.ok(result.counts.diverged >= 8, `lr 1e5 must diverge (got ${JSON.stringify(result.counts)})`);

  const clusterDir = tmp();
  const rep = await client.report(sub.sweepId, clusterDir);
  assert.equal(rep.complete, true);
  for (const f of ['trials.jsonl', 'metrics.jsonl', 'summary.json', 'report.html', 'spec.json']) assert.ok(rep.files.includes(f), `report has ${f}`);

  const embeddedDir = tmp();
  const run = await runSweep(resolved, { out: embeddedDir, parallel: 2, progress: new LineProgress(() => undefined) });
  assert.equal(run.done, 24);

  const a = readFolder(clusterDir);
  const b = readFolder(embeddedDir);
  assert.deepEqual(a.trials.map((t) => t.id).sort(), b.trials.map((t) => t.id).sort(), 'same trial ids');
  assert.deepEqual(a.trials.map((t) => t.id).sort(), resolved.plans.map((p) => p.id).sort());
  const byId = new Map(b.trials.map((t) => [t.id, t]));
  for (const t of a.trials) {
    assert.deepEqual(comparable(t), comparable(byId.get(t.id)!), `trial ${t.id} matches field by field`);
    assert.equal(t.sweepId, sub.sweepId);
    // diverged is a result: never retried
    if (t.outcome === 'diverged') assert.equal(t.attempt, 1);
  }
  const key = (m: { trialId: string; step: number }) => `${m.trialId}:${m.step}`;
  assert.equal(a.metrics.length, b.metrics.length, 'same number of evaluation points');
  const mb = new Map(b.metrics.map((m) => [key(m), m]));
  for (const m of a.metrics) {
    const { sweepId: _a, ...rest } = m;
    const { sweepId: _b, ...other } = mb.get(key(m))!;
    assert.deepEqual(rest, other, `metric ${key(m)}`);
  }
  assert.equal(new Set(a.metrics.map(key)).size, a.metrics.length, 'no evaluation point twice');
  // The same analysis of the same results.
  const summary = (dir: string) => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Record<string, unknown>;
  // sweepId is each run's own id: the workflow id in the cluster, the spec name for `sweep run`
  // (as the trial records and metrics carry them); everything else is the same
  const { sweepId: clusterId, ...clusterSummary } = summary(clusterDir);
  const { sweepId: embeddedId, ...embeddedSummary } = summary(embeddedDir);
  assert.equal(clusterId, sub.sweepId);
  assert.equal(embeddedId, b.trials[0].sweepId);
  assert.deepEqual(clusterSummary, embeddedSummary);
  assert.match(readFileSync(join(clusterDir, 'report.html'), 'utf8'), /<html/i);
});

test('a trainer killed mid-run is retried and its metrics are stored once', { timeout: 300_000 }, async () => {
  // Long enough (4000 steps, well over the trainer's 200 ms between progress reports) for the
  // kill to land after some evaluation points were stored.
  const spec = tinySpec('crash', {
    train: { steps: 4000, batchSize: 16, evalEvery: 400, logEvalPoints: 0 },
    // unpacked: each trial its own trainer (packed retries: cluster-pack.test.ts)
    grid: { seed: [0, 1, 2] }, execution: { parallelism: 3, maxAttempts: 3, pack: 'off' },
  });
  const resolved = resolveSpec(spec);
  victims = new Set([resolved.plans[0].id, resolved.plans[2].id]);
  const sub = await client.submit({ document: spec }, { options: fast });
  const result = await client.wait(sub.sweepId);
  assert.deepEqual(result.counts, { succeeded: 3, diverged: 0, failed: 0, cancelled: 0 });
  assert.deepEqual([...crashing.killed].sort(), [...victims].sort(), 'both victims were killed once');
  const dir = tmp();
  await client.report(sub.sweepId, dir);
  const { trials, metrics } = readFolder(dir);
  for (const t of trials) assert.equal(t.attempt, victims.has(t.id) ? 2 : 1, `attempts of ${t.id}`);
  const perTrial = new Map<string, number[]>();
  for (const m of metrics) perTrial.set(m.trialId, [...(perTrial.get(m.trialId) ?? []), m.step]);
  const survivor = perTrial.get(resolved.plans[1].id)!;
  assert.ok(survivor.length >= 11 && survivor.includes(4000), `evaluation points ${survivor}`);
  for (const t of trials) {
    const steps = perTrial.get(t.id)!;
    assert.deepEqual([...steps].sort((x, y) => x - y), survivor, `evaluation points of ${t.id}`);
    assert.equal(new Set(steps).size, steps.length, `no evaluation point of ${t.id} twice`);
  }
});

test('an executor the worker does not offer fails the trials at once, without retries', { timeout: 120_000 }, async () => {
  const spec = tinySpec('no-executor', { grid: { seed: [0, 1] }, execution: { parallelism: 2, executor: 'kubernetes', maxAttempts: 3 } });
  const sub = await client.submit({ document: spec }, { options: fast });
  const result = await client.wait(sub.sweepId);
  assert.deepEqual(result.counts, { succeeded: 0, diverged: 0, failed: 2, cancelled: 0 });
  const dir = tmp();
  await client.report(sub.sweepId, dir);
  const { trials } = readFolder(dir);
  assert.equal(trials.length, 2);
  for (const t of trials) {
    assert.match(t.error ?? '', /executor "kubernetes" is not available on this worker/);
    assert.equal(t.attempt, 1, 'not retried');
  }
});

test('progress query, pause and resume', { timeout: 300_000 }, async () => {
  const spec = tinySpec('pausable', { grid: { seed: [0, 1, 2, 3] }, execution: { parallelism: 1 } });
  const sub = await client.submit({ document: spec }, { options: fast });
  await client.pause(sub.sweepId);
  const paused = await waitFor('paused state', async () => {
    const s = await client.status(sub.sweepId);
    return s.progress?.state === 'paused' ? s : undefined;
  });
  assert.equal(paused.progress!.planned, 4);
  assert.ok(paused.progress!.started <= 1, 'at most the trial started before the pause');
  await new Promise((r) => setTimeout(r, 3000));
  const still = await client.status(sub.sweepId);
  assert.equal(still.progress!.started, paused.progress!.started, 'no trial starts while paused');
  await client.resume(sub.sweepId);
  const result = await client.wait(sub.sweepId);
  assert.equal(result.finished, 4);
  const done = await client.status(sub.sweepId);
  assert.equal(done.status, 'COMPLETED');
  assert.equal(done.progress!.counts.succeeded, 4);
});
