// Cluster mode packs trials (execution.pack): trials that differ only in lr and seed train in
// one trainer process per pack, through a runTrialPack activity of the sweep, and come out as ordinary trials
// equal to the embedded run's (within PACK_TOLERANCE); a pack's trainer SIGKILLed mid-pack
// reruns only the members without an outcome, and no evaluation point is stored twice.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { resolveSpec } from '../../core/config/spec.js';
import { PACK_TOLERANCE } from '../../core/train/packed/tolerance.js';
import { outcomeOfEvent } from '../../core/outcome.js';
import { LineProgress } from '../../workers/embedded/progress.js';
import { runSweep } from '../../workers/embedded/runner.js';
import { LocalProcessExecutor } from '../../activities/local-executor.js';
import type { AnyTrialLaunch, ExecutorContext, TrialExecutor } from '../../activities/executor.js';
import { connectNats } from '../../store/connect.js';
import { readSweepEvents } from '../../store/reader.js';
import { startCluster, type Cluster } from './cluster-fixture.js';
import { comparable, readFolder, tinySpec, waitFor } from './cluster-helpers.js';

/** Real trainer processes, each launch recorded (pid, attempt, members). */
class RecordingExecutor implements TrialExecutor {
  readonly name = 'local';
  readonly launches: { pid: number; attempt: number; sweepId: string; members: string[] }[] = [];
  private readonly inner = new LocalProcessExecutor({
    heartbeatMs: 500,
    onSpawn: (pid, l) => { this.launches.push({ pid, attempt: l.attempt, sweepId: l.sweepId, members: (l.pack ?? [{ trialId: l.trialId }]).map((m) => m.trialId) }); },
  });
  run(launch: AnyTrialLaunch, ctx: ExecutorContext) {
    return this.inner.run(launch, ctx);
  }
  close() {
    return this.inner.close();
  }
}

let cluster: Cluster;
let nc: NatsConnection;
const executor = new RecordingExecutor();
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'sweep-pack-'));
  dirs.push(d);
  return d;
};
const fast = { heartbeatTimeoutMs: 10_000, retryInitialIntervalMs: 200 };

before(async () => {
  cluster = await startCluster({ taskQueue: 'it-pack', orchestrator: { executors: new Map([['local', executor]]) } });
  nc = await connectNats({ servers: [cluster.nats.url], name: 'it-pack' });
});

after(async () => {
  await nc?.close().catch(() => undefined);
  await cluster?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** equal, numbers within PACK_TOLERANCE (relative) */
function assertClose(a: unknown, b: unknown, path: string): void {
  if (typeof a === 'number' && typeof b === 'number' && PACK_TOLERANCE > 0) {
    const scale = Math.max(Math.abs(a), Math.abs(b), Number.MIN_VALUE);
    assert.ok(a === b || Math.abs(a - b) / scale <= PACK_TOLERANCE, `${path}: ${a} vs ${b} (tolerance ${PACK_TOLERANCE})`);
    return;
  }
  if (PACK_TOLERANCE > 0 && a && b && typeof a === 'object' && typeof b === 'object') {
    assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort(), `${path}: keys`);
    for (const k of Object.keys(a)) assertClose((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    return;
  }
  assert.deepEqual(a, b, path);
}

test('an lr × seed sweep with pack auto runs in packs and equals the embedded run trial for trial', { timeout: 600_000 }, async () => {
  const spec = tinySpec('pack-parity', {
    train: { steps: 20, batchSize: 16, evalEvery: 5, logEvalPoints: 0 },
    grid: { 'optimizer.lr': [0.05, 0.3, 1e5], seed: [0, 1, 2, 3] },
    execution: { parallelism: 6, pack: 'auto' },
  });
  const resolved = resolveSpec(spec);
  assert.equal(resolved.plans.length, 12);
  const sub = await cluster.client.submit({ document: spec }, { options: fast });
  const result = await cluster.client.wait(sub.sweepId);
  assert.equal(result.finished, 12, 'the sweep counts trials, not packs');
  assert.equal(result.counts.failed, 0);
  assert.equal(result.counts.diverged, 4, 'every lr 1e5 trial diverges');

  const launches = executor.launches.filter((l) => l.sweepId === sub.sweepId);
  // packs of half the window (activities/planning.ts packWindow): four packs of three
  assert.deepEqual(launches.map((l) => l.members.length), [3, 3, 3, 3], 'one trainer process per pack');
  assert.deepEqual(launches.flatMap((l) => l.members).sort(), resolved.plans.map((p) => p.id).sort(), 'each trial in one pack');
  await assertPackActivities(sub.sweepId, 4);

  const clusterDir = tmp();
  const rep = await cluster.client.report(sub.sweepId, clusterDir);
  assert.equal(rep.complete, true);
  const embeddedDir = tmp();
  const run = await runSweep(resolved, { out: embeddedDir, parallel: 2, progress: new LineProgress(() => undefined) });
  assert.equal(run.done, 12);
  const a = readFolder(clusterDir);
  const b = readFolder(embeddedDir);
  assert.deepEqual(a.trials.map((t) => t.id).sort(), b.trials.map((t) => t.id).sort(), 'same trial ids');
  const byId = new Map(b.trials.map((t) => [t.id, t]));
  for (const t of a.trials) {
    assertClose(comparable(t), comparable(byId.get(t.id)!), `trial ${t.id}`);
    assert.equal(t.attempt, 1);
  }
  const key = (m: { trialId: string; step: number }) => `${m.trialId}:${m.step}`;
  assert.equal(a.metrics.length, b.metrics.length, 'same number of evaluation points');
  assert.equal(new Set(a.metrics.map(key)).size, a.metrics.length, 'no evaluation point twice');
  const mb = new Map(b.metrics.map((m) => [key(m), m]));
  for (const m of a.metrics) {
    const { sweepId: _a, ...rest } = m;
    const { sweepId: _b, ...other } = mb.get(key(m))!;
    assertClose(rest, other, `metric ${key(m)}`);
  }
});

test('a pack trainer SIGKILLed mid-pack reruns only its unfinished members', { timeout: 600_000 }, async () => {
  // Long trials, so the kill lands while some members are still training; lr 1e5 diverges at
  // once (an early finisher whether members train in turn or together).
  const spec = tinySpec('pack-kill', {
    train: { steps: 3000, batchSize: 16, evalEvery: 300, logEvalPoints: 0 },
    grid: { 'optimizer.lr': [1e5, 0.1], seed: [0, 1] },
    execution: { parallelism: 8, maxAttempts: 3 },
  });
  const resolved = resolveSpec(spec);
  const sub = await cluster.client.submit({ document: spec }, { options: fast });
  const first = await waitFor('the pack trainer', () => executor.launches.find((l) => l.sweepId === sub.sweepId && l.attempt === 1), 120_000);
  assert.equal(first.members.length, 4, 'one pack of four');
  // Kill once at least one member has an outcome stored and at least one has not.
  const finishedBefore = await waitFor('a member finished, another not', async () => {
    const ended = new Set((await readSweepEvents(nc, sub.sweepId)).filter((e) => outcomeOfEvent(e.event)).map((e) => e.trialId));
    return ended.size > 0 && ended.size < 4 ? ended : undefined;
  }, 300_000, 50);
  process.kill(first.pid, 'SIGKILL');
  // what had finished by the moment of the kill (an outcome may land between the read and the kill)
  const endedAtKill = new Set((await readSweepEvents(nc, sub.sweepId)).filter((e) => outcomeOfEvent(e.event) && e.attempt === 1).map((e) => e.trialId));
  for (const id of finishedBefore) assert.ok(endedAtKill.has(id));

  const result = await cluster.client.wait(sub.sweepId);
  assert.deepEqual(result.counts, { succeeded: 2, diverged: 2, failed: 0, cancelled: 0 });
  const launches = executor.launches.filter((l) => l.sweepId === sub.sweepId);
  assert.equal(launches.length, 2, 'one rerun');
  const unfinished = first.members.filter((id) => !endedAtKill.has(id));
  assert.ok(unfinished.length > 0);
  assert.deepEqual(launches[1].members, unfinished, 'the second attempt trains only the members without an outcome');
  assert.equal(launches[1].attempt, 2);
  await assertPackActivities(sub.sweepId, 1); // one activity, retried

  const dir = tmp();
  await cluster.client.report(sub.sweepId, dir);
  const { trials, metrics } = readFolder(dir);
  assert.equal(trials.length, 4);
  for (const t of trials) {
    assert.equal(t.attempt, endedAtKill.has(t.id) ? 1 : 2, `attempt of ${t.id}`);
    // a member that diverged before the kill is a result: never rerun
    if (t.outcome === 'diverged' && endedAtKill.has(t.id)) assert.ok(!launches[1].members.includes(t.id), `${t.id} not rerun`);
  }
  const key = (m: { trialId: string; step: number }) => `${m.trialId}:${m.step}`;
  assert.equal(new Set(metrics.map(key)).size, metrics.length, 'no evaluation point counted twice');
  for (const t of trials.filter((x) => x.outcome === 'succeeded')) {
    const steps = metrics.filter((m) => m.trialId === t.id).map((m) => m.step).sort((x, y) => x - y);
    assert.deepEqual(steps, Array.from({ length: 11 }, (_, i) => i * 300), `evaluation points of ${t.id}`);
  }
  assert.deepEqual(trials.map((t) => t.id).sort(), resolved.plans.map((p) => p.id).sort());
});

test('cancelling a sweep mid-pack stops the pack trainer; a member that finished keeps its outcome', { timeout: 300_000 }, async () => {
  // lr 1e5 diverges at once; the other members would train for a very long time
  const spec = tinySpec('pack-cancel', {
    train: { steps: 1_000_000, batchSize: 16, evalEvery: 1000, logEvalPoints: 0 },
    grid: { 'optimizer.lr': [1e5, 0.1], seed: [0] }, execution: { parallelism: 4 },
  });
  const resolved = resolveSpec(spec);
  const diverging = resolved.plans.find((p) => p.config.optimizer.lr === 1e5)!.id;
  const sub = await cluster.client.submit({ document: spec }, { options: fast });
  const launch = await waitFor('the pack trainer', () => executor.launches.find((l) => l.sweepId === sub.sweepId), 120_000);
  assert.equal(launch.members.length, 2);
  await waitFor('the diverging member\'s outcome', async () =>
    (await readSweepEvents(nc, sub.sweepId)).some((e) => e.trialId === diverging && outcomeOfEvent(e.event)), 120_000, 100);
  await cluster.client.cancel(sub.sweepId, { wait: true });
  assert.equal((await cluster.client.status(sub.sweepId)).status, 'CANCELLED');
  let alive = true;
  try {
    process.kill(launch.pid, 0);
  } catch {
    alive = false;
  }
  assert.equal(alive, false, 'the pack trainer is gone');
  const dir = tmp();
  await cluster.client.report(sub.sweepId, dir);
  // a cancelled trial has no record (a rerun runs it); the summary counts it
  const outcomes = Object.fromEntries(readFolder(dir).trials.map((t) => [t.id, t.outcome]));
  assert.deepEqual(outcomes, { [diverging]: 'diverged' });
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { trials: Record<string, number> };
  assert.equal(summary.trials.cancelled, 1);
  assert.equal(summary.trials.total, 2);
});

/** the sweep ran `packs` packs as its own runTrialPack activities, and no pack child workflow */
async function assertPackActivities(sweepId: string, packs: number): Promise<void> {
  const temporal = cluster.client.temporal;
  const h = await temporal.workflow.getHandle(sweepId).fetchHistory();
  const scheduled = (h.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runTrialPack');
  assert.equal(scheduled.length, packs, 'runTrialPack activities in the sweep\'s history');
  const packWorkflows: string[] = [];
  for await (const w of temporal.workflow.list()) if (w.workflowId.startsWith(`${sweepId}/pack/`)) packWorkflows.push(w.workflowId);
  assert.deepEqual(packWorkflows, [], 'no pack child workflows');
}
