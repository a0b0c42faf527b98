// A command trainer through `sweep submit` with the local executor: the fixture script (the
// protocol spoken by hand, reporting to JetStream) gives the same trials and summary.json as
// the embedded `sweep run` of the same spec; a SIGKILLed attempt is retried without a metric
// counted twice; a crash keeps its log tail; a NaN loss is a divergence; exit 0 without a
// final event fails, said so.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveSpec } from '../../core/config/spec.js';
import { LineProgress } from '../../workers/embedded/progress.js';
import { runSweep } from '../../workers/embedded/runner.js';
import { LocalProcessExecutor } from '../../activities/local-executor.js';
import { SweepClient } from '../../client/sweep-client.js';
import { startCluster, type Cluster } from './cluster-fixture.js';
import { comparable, readFolder } from './cluster-helpers.js';
import { ROOT } from '../e2e/embedded-helpers.js';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'command-trainer.mjs');
let cluster: Cluster;
let client: SweepClient;
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'sweep-it-cmd-'));
  dirs.push(d);
  return d;
};

before(async () => {
  const local = new LocalProcessExecutor({ heartbeatMs: 500, killGraceMs: 2000 });
  cluster = await startCluster({ taskQueue: 'it-command', orchestrator: { executors: new Map([['local', local]]) } });
  ({ client } = cluster);
});

after(async () => {
  await cluster?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const fast = { heartbeatTimeoutMs: 10_000, retryInitialIntervalMs: 200 };

function commandSpec(name: string, params: Record<string, unknown>, grid: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    name,
    trainer: { kind: 'command', command: [process.execPath, FIXTURE], params: { width: 8, lr: 0.1, steps: 30, ...params }, killAfterSeconds: 2 },
    grid, execution: { parallelism: 2, executor: 'local', maxAttempts: 3 }, ...extra,
  };
}

test('the lr-transfer command sweep through sweep submit equals the embedded sweep run', { timeout: 300_000 }, async () => {
  const spec = commandSpec('cmd-parity', {}, { 'params.width': [8, 32], 'params.lr': [0.025, 0.05, 0.1, 0.2, 0.4] }, {
    analysis: { lrTransfer: { over: 'params.width', lr: 'params.lr' } },
  });
  const sub = await client.submit({ document: spec }, { options: fast });
  assert.equal(sub.trials, 10);
  const result = await client.wait(sub.sweepId);
  assert.deepEqual(result.counts, { succeeded: 10, diverged: 0, failed: 0, cancelled: 0 });
  const clusterDir = tmp();
  const rep = await client.report(sub.sweepId, clusterDir);
  assert.equal(rep.complete, true);

  const embeddedDir = tmp();
  const run = await runSweep(resolveSpec(spec, { commandTrainer: true }), { out: embeddedDir, parallel: 2, progress: new LineProgress(() => undefined) });
  assert.equal(run.done, 10);
  const a = readFolder(clusterDir);
  const b = readFolder(embeddedDir);
  const byId = new Map(b.trials.map((t) => [t.id, t]));
  assert.deepEqual(a.trials.map((t) => t.id).sort(), [...byId.keys()].sort(), 'same trial ids');
  for (const t of a.trials) {
    assert.deepEqual(comparable(t), comparable(byId.get(t.id)!), `trial ${t.id} matches field by field`);
    assert.equal(t.backend, 'fixture (node)');
  }
  const key = (m: { trialId: string; step: number }) => `${m.trialId}:${m.step}`;
  assert.deepEqual(a.metrics.map(key).sort(), b.metrics.map(key).sort(), 'the same evaluation points');
  const mb = new Map(b.metrics.map((m) => [key(m), m]));
  const bare = (m: object) => ({ ...m, sweepId: undefined });
  for (const m of a.metrics) assert.deepEqual(bare(m), bare(mb.get(key(m))!), `metric ${key(m)}`);
  const summary = (dir: string) => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Record<string, unknown>;
  // sweepId is each run's own id (the workflow id in the cluster, the spec name for `sweep run`);
  // everything else is the same
  const { sweepId: clusterId, ...sa } = summary(clusterDir);
  const { sweepId: embeddedId, ...se } = summary(embeddedDir);
  assert.equal(clusterId, sub.sweepId);
  assert.equal(embeddedId, b.trials[0]!.sweepId);
  assert.deepEqual(sa, se, 'summary.json identical');
  assert.ok(sa.lrTransfer, 'the lr-transfer analysis ran');
});

test('faults in cluster mode: SIGKILLed attempt retried with no duplicated metric, crash with its log tail, NaN diverged, exit 0 without finish failed', { timeout: 300_000 }, async () => {
  const spec = commandSpec('cmd-faults', {}, { 'params.fault': ['killed', 'crash', 'nan', 'no-finish', 'invalid-launch'] });
  const sub = await client.submit({ document: spec }, { options: fast });
  const result = await client.wait(sub.sweepId);
  assert.deepEqual(result.counts, { succeeded: 1, diverged: 1, failed: 3, cancelled: 0 });
  const dir = tmp();
  await client.report(sub.sweepId, dir);
  const { trials, metrics } = readFolder(dir);
  const byFault = new Map(trials.map((t) => [(t.config as unknown as { params: { fault: string } }).params.fault, t]));

  const killed = byFault.get('killed')!;
  assert.equal(killed.outcome, 'succeeded');
  assert.equal(killed.attempt, 2, 'the SIGKILLed first attempt was retried');
  const steps = metrics.filter((m) => m.trialId === killed.id).map((m) => m.step);
  assert.deepEqual(steps, [0, 10, 20, 30], 'each step stored once although attempt 2 sent steps 0 and 10 again');

  const crash = byFault.get('crash')!;
  assert.equal(crash.outcome, 'failed');
  assert.equal(crash.attempt, 3, 'a crash is retried up to maxAttempts');
  assert.match(crash.error ?? '', /^the trainer crashed \(exit code 1\); last output: .*CUDA out of memory/);

  const nan = byFault.get('nan')!;
  assert.equal(nan.outcome, 'diverged');
  assert.equal(nan.step, 20);
  assert.equal(nan.attempt, 1);

  const noFinish = byFault.get('no-finish')!;
  assert.equal(noFinish.outcome, 'failed');
  assert.equal(noFinish.attempt, 1, 'not retried');
  assert.match(noFinish.error ?? '', /exited with code 0 without a final event/);

  const invalid = byFault.get('invalid-launch')!;
  assert.equal(invalid.outcome, 'failed');
  assert.equal(invalid.attempt, 1, 'an invalid launch is never retried');
  assert.match(invalid.error ?? '', /found its launch invalid \(exit code 2; not retried\)/);
});
