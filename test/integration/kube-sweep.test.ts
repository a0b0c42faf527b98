// Sweeps end to end on Kubernetes: `sweep submit` → Temporal workflow → trial Jobs on a real
// API server → the node agent runs the real trainer (dist/workers/trainer.js) as each pod's
// process → metrics and events in NATS JetStream → report. And the faults: an OOMKilled trial
// fails without retry, an evicted one is retried and completes, a worker restart adopts the
// running Job instead of duplicating it, cancelling leaves no Job or pod, and an API server
// restart mid-sweep does not stop the sweep.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BatchV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { resolveSpec } from '../../core/config/spec.js';
import { LineProgress } from '../../workers/embedded/progress.js';
import { runSweep } from '../../workers/embedded/runner.js';
import { SweepClient } from '../../client/sweep-client.js';
import { installRuntime, startOrchestrator, type Orchestrator } from '../../workers/orchestrator.js';
import { KubernetesExecutor } from '../../activities/kubernetes/executor.js';
import { ANNOTATIONS, LABELS } from '../../activities/kubernetes/names.js';
import { startNats, type NatsServer } from '../servers/nats.js';
import { startTemporal, type TemporalServer } from '../servers/temporal.js';
import { workflowBundlePath } from '../servers/workflow-bundle.js';
import { startKubeTestCluster, type KubeTestCluster } from '../servers/kube/cluster.js';
import { repoRoot } from '../servers/kube/control-plane.js';
import { INJECT } from '../servers/kube/node-agent.js';
import { comparable, readFolder, tinySpec, waitFor } from './cluster-helpers.js';
import { makeCerts, makeOperator, tlsBlock } from '../servers/nats-secure.js';
import { TrialCredentialIssuer } from '../../activities/trial-credentials.js';
import { natsSecretName } from '../../activities/kubernetes/job-spec.js';

const NS = 'sweeps';
const QUEUE = 'it-kube';
let nats: NatsServer;
let temporal: TemporalServer;
let cluster: KubeTestCluster;
let orch: Orchestrator | undefined;
let client: SweepClient;
let batch: BatchV1Api;
let core: CoreV1Api;
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'sweep-kube-it-'));
  dirs.push(d);
  return d;
};

async function startWorker(opts: { shutdownGraceMs?: number } = {}): Promise<Orchestrator> {
  const executor = new KubernetesExecutor({ kubeConfig: cluster.kc, defaults: { namespace: NS }, heartbeatMs: 1000, tickMs: 250 });
  return startOrchestrator({
    temporal: temporal.address, nats: nats.url, taskQueue: QUEUE, maxTrials: 8,
    executors: new Map([['kubernetes', executor]]), workflowBundlePath: await workflowBundlePath(),
    heartbeatThrottleMs: 500, ...(opts.shutdownGraceMs !== undefined ? { shutdownGraceMs: opts.shutdownGraceMs } : {}),
  });
}

async function stopWorker(o: Orchestrator | undefined): Promise<void> {
  if (!o) return;
  await o.shutdown().catch(() => undefined);
}

before(async () => {
  installRuntime('ERROR');
  [nats, temporal, cluster] = await Promise.all([
    startNats(), startTemporal(),
    startKubeTestCluster({ nodes: [{ name: 'gpu-0', gpus: 8 }, { name: 'gpu-1', gpus: 8 }] }),
  ]);
  await cluster.createNamespace(NS);
  batch = cluster.kc.makeApiClient(BatchV1Api);
  core = cluster.kc.makeApiClient(CoreV1Api);
  orch = await startWorker();
  client = await SweepClient.connect({ temporal: temporal.address, nats: nats.url, taskQueue: QUEUE });
});

after(async () => {
  await client?.close().catch(() => undefined);
  await stopWorker(orch);
  await cluster?.stop();
  await temporal?.stop();
  await nats?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const kube = (k: Record<string, unknown> = {}) => ({ executor: 'kubernetes', kubernetes: { namespace: NS, gpus: 1, cpu: '100m', memory: '2Gi', ...k } });
const fast = { heartbeatTimeoutMs: 10_000, retryInitialIntervalMs: 200 };
/** trials that run for many seconds on this machine, so faults can land while they run */
const long = (steps: number) => ({ train: { steps, batchSize: 16, evalEvery: 500, logEvalPoints: 0 } });

const jobsOf = async (sweepId: string) =>
  (await batch.listNamespacedJob({ namespace: NS })).items.filter((j) => j.metadata?.annotations?.[ANNOTATIONS.sweepId] === sweepId);
const podsOf = async (sweepId: string) =>
  (await core.listNamespacedPod({ namespace: NS })).items.filter((p) => p.metadata?.annotations?.[ANNOTATIONS.sweepId] === sweepId);
const running = (pods: V1Pod[]) => pods.filter((p) => p.status?.phase === 'Running');

test('`sweep submit` with the Kubernetes executor: Jobs run the trainer, and the report equals the embedded run', { timeout: 600_000 }, async () => {
  // trials alone, a Job each (packs: kube-pack.test.ts)
  const spec = tinySpec('kube-parity', { grid: { 'optimizer.lr': [0.05, 0.3], seed: [0, 1] }, execution: { parallelism: 4, pack: 'off', ...kube() } });
  const file = join(tmp(), 'spec.json');
  writeFileSync(file, JSON.stringify(spec));
  const { stdout } = await promisify(execFile)(process.execPath, [join(repoRoot, 'dist/workers/cli.js'), 'submit', file,
    '--temporal', temporal.address, '--nats', nats.url, '--task-queue', QUEUE], { cwd: repoRoot, timeout: 60_000 });
  const sweepId = stdout.trim();
  const result = await client.wait(sweepId);
  assert.deepEqual(result.counts, { succeeded: 4, diverged: 0, failed: 0, cancelled: 0 });
  const jobs = await jobsOf(sweepId);
  assert.equal(jobs.length, 4, 'one Job per trial');
  assert.ok(jobs.every((j) => j.status?.succeeded === 1));

  const clusterDir = tmp();
  assert.equal((await client.report(sweepId, clusterDir)).complete, true);
  const embeddedDir = tmp();
  await runSweep(resolveSpec(spec), { out: embeddedDir, parallel: 2, progress: new LineProgress(() => undefined) });
  const a = readFolder(clusterDir);
  const b = readFolder(embeddedDir);
  const byId = new Map(b.trials.map((t) => [t.id, t]));
  assert.deepEqual(a.trials.map((t) => t.id).sort(), [...byId.keys()].sort());
  for (const t of a.trials) assert.deepEqual(comparable(t), comparable(byId.get(t.id)!), `trial ${t.id}`);
  const summary = (dir: string) => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  // sweepId is each run's own id (the workflow id in the cluster, the spec name for `sweep run`)
  const { sweepId: clusterId, ...sa } = summary(clusterDir) as Record<string, unknown>;
  const { sweepId: embeddedId, ...se } = summary(embeddedDir) as Record<string, unknown>;
  assert.equal(clusterId, sweepId);
  assert.equal(embeddedId, b.trials[0]!.sweepId);
  assert.deepEqual(sa, se, 'summary.json identical');
});

test('an OOMKilled trial fails without retry and says why', { timeout: 300_000 }, async () => {
  const spec = tinySpec('kube-oom', { ...long(4000), grid: { seed: [0] }, execution: { maxAttempts: 3, ...kube({ extraLabels: { [INJECT]: 'oom-kill' } }) } });
  const sub = await client.submit({ document: spec }, { options: fast });
  const result = await client.wait(sub.sweepId);
  assert.deepEqual(result.counts, { succeeded: 0, diverged: 0, failed: 1, cancelled: 0 });
  assert.equal((await jobsOf(sub.sweepId)).length, 1, 'not retried: one Job');
  const dir = tmp();
  await client.report(sub.sweepId, dir);
  const [trial] = readFolder(dir).trials;
  assert.equal(trial.outcome, 'failed');
  assert.match(trial.error ?? '', /OOMKilled/);
});

test('an evicted trial is retried and completes', { timeout: 300_000 }, async () => {
  const spec = tinySpec('kube-evict', { ...long(3000), grid: { seed: [0] }, execution: { maxAttempts: 3, ...kube() } });
  const sub = await client.submit({ document: spec }, { options: fast });
  const [pod] = await waitFor('the first pod to run', async () => { const r = running(await podsOf(sub.sweepId)); return r.length ? r : undefined; }, 120_000);
  await core.patchNamespacedPod({ name: pod.metadata!.name!, namespace: NS, body: { metadata: { annotations: { [INJECT]: 'evict' } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  const result = await client.wait(sub.sweepId);
  assert.deepEqual(result.counts, { succeeded: 1, diverged: 0, failed: 0, cancelled: 0 });
  const jobs = await jobsOf(sub.sweepId);
  assert.deepEqual(jobs.map((j) => j.metadata?.labels?.[LABELS.attempt]).sort(), ['1', '2'], 'a second attempt ran in its own Job');
  const dir = tmp();
  await client.report(sub.sweepId, dir);
  assert.equal(readFolder(dir).trials[0].outcome, 'succeeded');
});

test('a worker restart mid-trial: the running Job is adopted, not duplicated', { timeout: 300_000 }, async () => {
  await stopWorker(orch);
  orch = await startWorker({ shutdownGraceMs: 500 });
  const spec = tinySpec('kube-restart', { ...long(12_000), grid: { seed: [0] }, execution: { maxAttempts: 3, ...kube() } });
  const sub = await client.submit({ document: spec }, { options: fast });
  await waitFor('the pod to run', async () => running(await podsOf(sub.sweepId)).length === 1, 120_000);
  await stopWorker(orch);
  // the trainer keeps running in its pod while no worker watches
  assert.equal(running(await podsOf(sub.sweepId)).length, 1);
  orch = await startWorker();
  const result = await client.wait(sub.sweepId);
  assert.deepEqual(result.counts, { succeeded: 1, diverged: 0, failed: 0, cancelled: 0 });
  const jobs = await jobsOf(sub.sweepId);
  assert.equal(jobs.length, 1, `one Job for the trial, got ${jobs.map((j) => j.metadata?.name).join(', ')}`);
});

test('cancelling a sweep leaves no Job and no pod', { timeout: 300_000 }, async () => {
  const spec = tinySpec('kube-cancel', { ...long(20_000), grid: { seed: [0, 1, 2] }, execution: { parallelism: 3, pack: 'off', ...kube() } });
  const sub = await client.submit({ document: spec }, { options: fast });
  await waitFor('the pods to run', async () => running(await podsOf(sub.sweepId)).length === 3, 120_000);
  await client.cancel(sub.sweepId, { wait: true });
  assert.deepEqual(await jobsOf(sub.sweepId), []);
  assert.deepEqual(await podsOf(sub.sweepId), []);
  assert.equal(cluster.agent.processes().size, 0, 'no trainer process left');
});

test('an API server restart mid-sweep: the sweep completes', { timeout: 300_000 }, async () => {
  const spec = tinySpec('kube-apiserver', { ...long(3000), grid: { seed: [0, 1, 2, 3] }, execution: { parallelism: 4, ...kube() } });
  const sub = await client.submit({ document: spec }, { options: fast });
  await waitFor('a pod to run', async () => running(await podsOf(sub.sweepId)).length > 0, 120_000);
  await cluster.cp.restartApiServer();
  const result = await client.wait(sub.sweepId);
  assert.deepEqual(result.counts, { succeeded: 4, diverged: 0, failed: 0, cancelled: 0 });
});

test('with NATS in operator mode over TLS, each trial pod publishes with its own credential from its Job\'s Secret', { timeout: 300_000 }, async () => {
  const dir = tmp();
  const certs = makeCerts(dir);
  const op = await makeOperator(dir);
  const secure = await startNats({ scheme: 'tls', config: `${tlsBlock(certs, false)}${op.config}` });
  const queue = `${QUEUE}-secure`;
  const natsAuth = { creds: op.adminCreds, tls: { ca: certs.ca } };
  let worker: Orchestrator | undefined;
  let secureClient: SweepClient | undefined;
  try {
    const executor = new KubernetesExecutor({ kubeConfig: cluster.kc, defaults: { namespace: NS }, heartbeatMs: 1000, tickMs: 250 });
    worker = await startOrchestrator({
      temporal: temporal.address, nats: secure.url, natsAuth, taskQueue: queue, maxTrials: 4,
      executors: new Map([['kubernetes', executor]]), workflowBundlePath: await workflowBundlePath(), heartbeatThrottleMs: 500,
      trialCredentials: new TrialCredentialIssuer({ signingSeed: op.signingSeed, account: op.account, ttlSeconds: 600 }),
    });
    secureClient = await SweepClient.connect({ temporal: temporal.address, nats: secure.url, natsAuth, taskQueue: queue });
    const spec = tinySpec('kube-secure', { grid: { seed: [0, 1] }, execution: { parallelism: 2, ...kube() } });
    const sub = await secureClient.submit({ document: spec }, { options: fast });
    const result = await secureClient.wait(sub.sweepId);
    assert.deepEqual(result.counts, { succeeded: 2, diverged: 0, failed: 0, cancelled: 0 });
    const out = tmp();
    await secureClient.report(sub.sweepId, out);
    const { trials, metrics } = readFolder(out);
    assert.equal(trials.length, 2);
    assert.ok(metrics.length >= 2 * 4, 'every evaluation point arrived');
    // each Job had its own Secret, owned by it, and the launch annotation only names the file
    for (const job of await jobsOf(sub.sweepId)) {
      const name = job.metadata!.name!;
      const secret = await core.readNamespacedSecret({ name: natsSecretName(name), namespace: NS });
      assert.equal(secret.metadata?.ownerReferences?.[0]?.uid, job.metadata?.uid);
      const creds = Buffer.from(secret.data!['trial.creds'], 'base64').toString();
      assert.ok(!JSON.stringify(job).includes(creds.split('\n')[1]), 'the JWT is not in the Job');
    }
  } finally {
    await secureClient?.close().catch(() => undefined);
    await stopWorker(worker);
    await secure.stop();
  }
});
