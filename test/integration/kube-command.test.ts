// A command trainer through `sweep submit` with the Kubernetes executor: each attempt is a Job
// running trainer.command in the spec's image, the test node agent runs it as a process with
// the launch mounted and SWEEP_LAUNCH set; the fixture reports to JetStream. Trials and
// summary.json equal the embedded `sweep run` of the same spec; a SIGKILLed attempt is retried
// in its own Job with no metric counted twice.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchV1Api } from '@kubernetes/client-node';
import { resolveSpec } from '../../core/config/spec.js';
import { LineProgress } from '../../workers/embedded/progress.js';
import { runSweep } from '../../workers/embedded/runner.js';
import { SweepClient } from '../../client/sweep-client.js';
import { installRuntime, startOrchestrator, type Orchestrator } from '../../workers/orchestrator.js';
import { KubernetesExecutor } from '../../activities/kubernetes/executor.js';
import { ANNOTATIONS } from '../../activities/kubernetes/names.js';
import { startNats, type NatsServer } from '../servers/nats.js';
import { startTemporal, type TemporalServer } from '../servers/temporal.js';
import { workflowBundlePath } from '../servers/workflow-bundle.js';
import { startKubeTestCluster, type KubeTestCluster } from '../servers/kube/cluster.js';
import { comparable, readFolder } from './cluster-helpers.js';
import { ROOT } from '../e2e/embedded-helpers.js';

const NS = 'sweeps';
const QUEUE = 'it-kube-command';
const FIXTURE = join(ROOT, 'test', 'fixtures', 'command-trainer.mjs');
let nats: NatsServer;
let temporal: TemporalServer;
let cluster: KubeTestCluster;
let orch: Orchestrator | undefined;
let client: SweepClient;
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'sweep-kube-cmd-'));
  dirs.push(d);
  return d;
};

before(async () => {
  installRuntime('ERROR');
  [nats, temporal, cluster] = await Promise.all([startNats(), startTemporal(), startKubeTestCluster({ nodes: [{ name: 'cpu-0', gpus: 0 }] })]);
  await cluster.createNamespace(NS);
  const executor = new KubernetesExecutor({ kubeConfig: cluster.kc, defaults: { namespace: NS }, heartbeatMs: 1000, tickMs: 250 });
  orch = await startOrchestrator({
    temporal: temporal.address, nats: nats.url, taskQueue: QUEUE, maxTrials: 8,
    executors: new Map([['kubernetes', executor]]), workflowBundlePath: await workflowBundlePath(), heartbeatThrottleMs: 500,
  });
  client = await SweepClient.connect({ temporal: temporal.address, nats: nats.url, taskQueue: QUEUE });
});

after(async () => {
  await client?.close().catch(() => undefined);
  await orch?.shutdown().catch(() => undefined);
  await cluster?.stop();
  await temporal?.stop();
  await nats?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const fast = { heartbeatTimeoutMs: 10_000, retryInitialIntervalMs: 200 };
// The test node cpu-0 has no GPU; execution.kubernetes.gpus defaults to 1, so a CPU-only command
// trainer must ask for none, or its pods stay Pending (Unschedulable) until the executor's
// unschedulableTimeoutSeconds. That timeout is short here, so a scheduling mismatch fails the
// attempts within a minute instead of hanging.
const spec = {
  name: 'kube-cmd',
  trainer: { kind: 'command', command: ['node', FIXTURE], params: { width: 8, lr: 0.1, steps: 30 }, killAfterSeconds: 2 },
  grid: { 'params.width': [8, 32], 'params.lr': [0.05, 0.1, 0.2] },
  analysis: { lrTransfer: { over: 'params.width', lr: 'params.lr' } },
  execution: {
    parallelism: 3, maxAttempts: 2, executor: 'kubernetes',
    kubernetes: { namespace: NS, image: 'registry.example/byo-trainer:test', gpus: 0, cpu: '100m', memory: '1Gi', unschedulableTimeoutSeconds: 15 },
  },
};

test('a command-trainer sweep on Kubernetes equals the embedded `sweep run`', { timeout: 180_000 }, async () => {
  const sub = await client.submit({ document: spec }, { options: fast });
  const result = await client.wait(sub.sweepId);
  assert.deepEqual(result.counts, { succeeded: 6, diverged: 0, failed: 0, cancelled: 0 });
  const clusterDir = tmp();
  assert.equal((await client.report(sub.sweepId, clusterDir)).complete, true);
  const embeddedDir = tmp();
  await runSweep(resolveSpec(spec, { commandTrainer: true }), { out: embeddedDir, parallel: 2, progress: new LineProgress(() => undefined) });
  const a = readFolder(clusterDir);
  const b = readFolder(embeddedDir);
  const byId = new Map(b.trials.map((t) => [t.id, t]));
  assert.deepEqual(a.trials.map((t) => t.id).sort(), [...byId.keys()].sort());
  for (const t of a.trials) assert.deepEqual(comparable(t), comparable(byId.get(t.id)!), `trial ${t.id}`);
  const summary = (dir: string) => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Record<string, unknown>;
  // sweepId is each run's own id (the workflow id in the cluster, the spec name for `sweep run`)
  const { sweepId: clusterId, ...sa } = summary(clusterDir);
  const { sweepId: embeddedId, ...se } = summary(embeddedDir);
  assert.equal(clusterId, sub.sweepId);
  assert.equal(embeddedId, b.trials[0]!.sweepId);
  assert.deepEqual(sa, se, 'summary.json identical');
});

test('a SIGKILLed command-trainer pod is retried in a new Job with no metric counted twice', { timeout: 120_000 }, async () => {
  const killed = { ...spec, name: 'kube-cmd-killed', grid: { 'params.fault': ['killed'] }, analysis: undefined };
  const k = await client.submit({ document: JSON.parse(JSON.stringify(killed)) }, { options: fast });
  const kr = await client.wait(k.sweepId);
  assert.deepEqual(kr.counts, { succeeded: 1, diverged: 0, failed: 0, cancelled: 0 });
  const dir = tmp();
  await client.report(k.sweepId, dir);
  const { trials, metrics } = readFolder(dir);
  assert.equal(trials[0].attempt, 2, 'the SIGKILLed attempt was retried');
  const jobs = (await cluster.kc.makeApiClient(BatchV1Api).listNamespacedJob({ namespace: NS })).items
    .filter((j) => j.metadata?.annotations?.[ANNOTATIONS.sweepId] === k.sweepId);
  assert.deepEqual(jobs.map((j) => [j.status?.failed ?? 0, j.status?.succeeded ?? 0]).sort(), [[0, 1], [1, 0]], 'one failed Job (the SIGKILLed attempt), one succeeded Job (its retry)');
  assert.deepEqual(metrics.map((m) => m.step), [0, 10, 20, 30], 'each step stored once');
});
