// Packs on Kubernetes: a pack of trials runs as ONE Job whose launch holds every member, on a
// real API server with the node agent running the real trainer; its trials equal the embedded
// run's (within PACK_TOLERANCE). A pack pod evicted mid-pack is retried in a second Job that
// trains only the members without an outcome.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type V1Job, type V1Pod } from '@kubernetes/client-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { resolveSpec } from '../../core/config/spec.js';
import { outcomeOfEvent } from '../../core/outcome.js';
import { PACK_TOLERANCE } from '../../core/train/packed/tolerance.js';
import { LineProgress } from '../../workers/embedded/progress.js';
import { runSweep } from '../../workers/embedded/runner.js';
import { SweepClient } from '../../client/sweep-client.js';
import { installRuntime, startOrchestrator, type Orchestrator } from '../../workers/orchestrator.js';
import { KubernetesExecutor } from '../../activities/kubernetes/executor.js';
import { ANNOTATIONS, LABELS } from '../../activities/kubernetes/names.js';
import { launchConfigMapName } from '../../activities/kubernetes/job-spec.js';
import { connectNats } from '../../store/connect.js';
import { readSweepEvents } from '../../store/reader.js';
import { startNats, type NatsServer } from '../servers/nats.js';
import { startTemporal, type TemporalServer } from '../servers/temporal.js';
import { workflowBundlePath } from '../servers/workflow-bundle.js';
import { startKubeTestCluster, type KubeTestCluster } from '../servers/kube/cluster.js';
import { INJECT } from '../servers/kube/node-agent.js';
import { comparable, readFolder, tinySpec, waitFor } from './cluster-helpers.js';

const NS = 'sweeps';
const QUEUE = 'it-kube-pack';
let nats: NatsServer;
let temporal: TemporalServer;
let cluster: KubeTestCluster;
let orch: Orchestrator | undefined;
let client: SweepClient;
let nc: NatsConnection;
let batch: BatchV1Api;
let core: CoreV1Api;
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'sweep-kube-pack-'));
  dirs.push(d);
  return d;
};

before(async () => {
  installRuntime('ERROR');
  [nats, temporal, cluster] = await Promise.all([startNats(), startTemporal(), startKubeTestCluster({ nodes: [{ name: 'gpu-0', gpus: 8 }] })]);
  await cluster.createNamespace(NS);
  batch = cluster.kc.makeApiClient(BatchV1Api);
  core = cluster.kc.makeApiClient(CoreV1Api);
  const executor = new KubernetesExecutor({ kubeConfig: cluster.kc, defaults: { namespace: NS }, heartbeatMs: 1000, tickMs: 250 });
  orch = await startOrchestrator({
    temporal: temporal.address, nats: nats.url, taskQueue: QUEUE, maxTrials: 8,
    executors: new Map([['kubernetes', executor]]), workflowBundlePath: await workflowBundlePath(), heartbeatThrottleMs: 500,
  });
  client = await SweepClient.connect({ temporal: temporal.address, nats: nats.url, taskQueue: QUEUE });
  nc = await connectNats({ servers: [nats.url], name: 'it-kube-pack' });
});

after(async () => {
  await nc?.close().catch(() => undefined);
  await client?.close().catch(() => undefined);
  await orch?.shutdown().catch(() => undefined);
  await cluster?.stop();
  await temporal?.stop();
  await nats?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const kube = { executor: 'kubernetes', kubernetes: { namespace: NS, gpus: 1, cpu: '100m', memory: '2Gi' } };
const fast = { heartbeatTimeoutMs: 10_000, retryInitialIntervalMs: 200 };
const jobsOf = async (sweepId: string) =>
  (await batch.listNamespacedJob({ namespace: NS })).items.filter((j) => j.metadata?.annotations?.[ANNOTATIONS.sweepId] === sweepId);
const podsOf = async (sweepId: string) =>
  (await core.listNamespacedPod({ namespace: NS })).items.filter((p) => p.metadata?.annotations?.[ANNOTATIONS.sweepId] === sweepId);
const running = (pods: V1Pod[]) => pods.filter((p) => p.status?.phase === 'Running');

/** the members a Job's launch names (from its annotation or its ConfigMap) */
async function membersOf(job: V1Job): Promise<string[]> {
  let json = job.spec?.template.metadata?.annotations?.[ANNOTATIONS.launch];
  if (json === undefined) {
    const cm = await core.readNamespacedConfigMap({ name: launchConfigMapName(job.metadata!.name!), namespace: NS });
    json = cm.data!['launch.json'];
  }
  const launch = JSON.parse(json) as { trialId: string; pack?: { trialId: string }[] };
  return (launch.pack ?? [{ trialId: launch.trialId }]).map((m) => m.trialId);
}

test('a pack runs as one Job holding every member, and its trials equal the embedded run\'s', { timeout: 600_000 }, async () => {
  const spec = tinySpec('kube-pack', { grid: { 'optimizer.lr': [0.05, 0.3], seed: [0, 1] }, execution: { parallelism: 8, ...kube } });
  const resolved = resolveSpec(spec);
  const sub = await client.submit({ document: spec }, { options: fast });
  const result = await client.wait(sub.sweepId);
  assert.deepEqual(result.counts, { succeeded: 4, diverged: 0, failed: 0, cancelled: 0 });
  const jobs = await jobsOf(sub.sweepId);
  assert.equal(jobs.length, 1, 'one Job for the pack of four');
  assert.deepEqual((await membersOf(jobs[0])).sort(), resolved.plans.map((p) => p.id).sort(), 'its launch holds every member');
  assert.equal(jobs[0].status?.succeeded, 1);

  const clusterDir = tmp();
  assert.equal((await client.report(sub.sweepId, clusterDir)).complete, true);
  const embeddedDir = tmp();
  await runSweep(resolved, { out: embeddedDir, parallel: 2, progress: new LineProgress(() => undefined) });
  const a = readFolder(clusterDir);
  const b = readFolder(embeddedDir);
  const byId = new Map(b.trials.map((t) => [t.id, t]));
  assert.deepEqual(a.trials.map((t) => t.id).sort(), [...byId.keys()].sort());
  // PACK_TOLERANCE 0: the packed trials are the lone trials, exactly
  if (PACK_TOLERANCE === 0) for (const t of a.trials) assert.deepEqual(comparable(t), comparable(byId.get(t.id)!), `trial ${t.id}`);
  assert.equal(a.metrics.length, b.metrics.length, 'same evaluation points');
});

test('a pack pod evicted mid-pack: a second Job trains only the members without an outcome', { timeout: 600_000 }, async () => {
  const spec = tinySpec('kube-pack-evict', {
    train: { steps: 3000, batchSize: 16, evalEvery: 500, logEvalPoints: 0 },
    grid: { 'optimizer.lr': [1e5, 0.1], seed: [0, 1] }, execution: { parallelism: 8, maxAttempts: 3, ...kube },
  });
  const sub = await client.submit({ document: spec }, { options: fast });
  const [pod] = await waitFor('the pack pod to run', async () => { const r = running(await podsOf(sub.sweepId)); return r.length ? r : undefined; }, 120_000);
  await waitFor('a member finished, another not', async () => {
    const ended = new Set((await readSweepEvents(nc, sub.sweepId)).filter((e) => outcomeOfEvent(e.event)).map((e) => e.trialId));
    return ended.size > 0 && ended.size < 4;
  }, 300_000, 50);
  await core.patchNamespacedPod({ name: pod.metadata!.name!, namespace: NS, body: { metadata: { annotations: { [INJECT]: 'evict' } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  const result = await client.wait(sub.sweepId);
  assert.deepEqual(result.counts, { succeeded: 2, diverged: 2, failed: 0, cancelled: 0 });
  const jobs = (await jobsOf(sub.sweepId)).sort((x, y) => Number(x.metadata?.labels?.[LABELS.attempt]) - Number(y.metadata?.labels?.[LABELS.attempt]));
  assert.deepEqual(jobs.map((j) => j.metadata?.labels?.[LABELS.attempt]), ['1', '2'], 'the retry ran in its own Job');
  const [first, second] = [await membersOf(jobs[0]), await membersOf(jobs[1])];
  assert.equal(first.length, 4);
  const dir = tmp();
  await client.report(sub.sweepId, dir);
  const { trials, metrics } = readFolder(dir);
  const rerun = new Set(second);
  assert.ok(rerun.size > 0 && rerun.size < 4, `the second Job trains ${rerun.size} members`);
  for (const t of trials) assert.equal(t.attempt, rerun.has(t.id) ? 2 : 1, `attempt of ${t.id}`);
  const key = (m: { trialId: string; step: number }) => `${m.trialId}:${m.step}`;
  assert.equal(new Set(metrics.map(key)).size, metrics.length, 'no evaluation point counted twice');
});
