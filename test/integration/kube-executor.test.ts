// The Kubernetes executor against a real API server, controller manager and scheduler, with
// the test node agent running pods as local processes. The container command is overridden by a
// small node script (the trainer itself is exercised end to end in kube-sweep.test.ts), so each
// failure mode can be produced on purpose: exit codes, memory limits, injected evictions and
// preemption, unpullable images, unschedulable pods, deadlines, cancellation, worker shutdown
// and adoption, large launches through a ConfigMap, and an API server restart mid-trial.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchV1Api, CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { CancelledFailure } from '@temporalio/common';
import { kubernetesExecutionSchema, type KubernetesExecution } from '../../core/config/execution.js';
import { trialConfigSchema } from '../../core/config/trial.js';
import { trialId } from '../../core/ids.js';
import type { ExecutorOutcome, TrialHeartbeat, TrialLaunch } from '../../activities/executor.js';
import { KubernetesExecutor, type KubernetesExecutorOptions } from '../../activities/kubernetes/executor.js';
import { JobGarbageCollector } from '../../activities/kubernetes/gc.js';
import { LABELS, jobName } from '../../activities/kubernetes/names.js';
import { KUBE_ENV, kubernetesExecutorFactory } from '../../activities/kubernetes/factory.js';
import { startKubeTestCluster, type KubeTestCluster } from '../servers/kube/cluster.js';
import { INJECT, INJECT_AFTER_MS } from '../servers/kube/node-agent.js';
import { waitFor } from '../servers/kube/processes.js';
import { createAccount } from '@nats-io/jwt';
import { TrialCredentialIssuer } from '../../activities/trial-credentials.js';
import { NATS_SECRET_DIR, natsSecretName } from '../../activities/kubernetes/job-spec.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const NS = 'trials';
let cluster: KubeTestCluster;
let batch: BatchV1Api;
let core: CoreV1Api;
const executors: KubernetesExecutor[] = [];

before(async () => {
  cluster = await startKubeTestCluster({
    nodes: [{ name: 'gpu-0', gpus: 4 }, { name: 'gpu-1', gpus: 4 }],
    agent: { pullable: (image) => !image.startsWith('registry.invalid/') },
  });
  batch = cluster.kc.makeApiClient(BatchV1Api);
  core = cluster.kc.makeApiClient(CoreV1Api);
  await cluster.createNamespace(NS);
});
after(async () => {
  for (const e of executors) await e.close();
  await cluster?.stop();
});

function executor(opts: Partial<KubernetesExecutorOptions> = {}): KubernetesExecutor {
  const e = new KubernetesExecutor({ kubeConfig: cluster.kc, defaults: { namespace: NS }, heartbeatMs: 500, tickMs: 200, ...opts });
  executors.push(e);
  return e;
}

let seed = 0;
/** A launch whose container runs `script` (node -e) with the launch file as its argument. */
function launch(script: string, k: Partial<KubernetesExecution> = {}, extra: { attempt?: number; sweepId?: string; config?: object } = {}): TrialLaunch {
  const config = trialConfigSchema.parse(extra.config ?? {
    seed: seed++, task: { kind: 'teacher-mlp', inputDim: 4 }, model: { width: 8, depth: 2 }, optimizer: { kind: 'sgd', lr: 0.1 }, train: { steps: 10 },
  });
  return {
    sweepId: extra.sweepId ?? 'kube-exec-test', trialId: trialId(config), attempt: extra.attempt ?? 1, config,
    nats: { servers: ['nats://127.0.0.1:4222'] },
    kubernetes: kubernetesExecutionSchema.parse({ gpus: 1, cpu: '100m', memory: '512Mi', command: ['node', '-e', script], ...k }),
  };
}

interface Run { outcome: Promise<ExecutorOutcome>; beats: TrialHeartbeat[]; abort: AbortController }
function start(ex: KubernetesExecutor, l: TrialLaunch): Run {
  const beats: TrialHeartbeat[] = [];
  const abort = new AbortController();
  return { outcome: ex.run(l, { heartbeat: (b) => beats.push(b), signal: abort.signal }), beats, abort };
}

async function runningPod(name: string): Promise<V1Pod> {
  let pod: V1Pod | undefined;
  await waitFor(`a running pod of ${name}`, async () => {
    const pods = await core.listNamespacedPod({ namespace: NS, labelSelector: `${LABELS.job}=${name}` });
    pod = pods.items.find((p) => p.status?.phase === 'Running');
    return !!pod;
  }, 30_000, { intervalMs: 100 });
  return pod!;
}

const jobsOfTrial = async (l: TrialLaunch) =>
  (await batch.listNamespacedJob({ namespace: NS, labelSelector: `${LABELS.trial}=${l.trialId}` })).items;

const READ_LAUNCH = "const l = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'));";

test('a trial Job runs to completion; heartbeats follow its phases; the Job carries the spec', async () => {
  const ex = executor();
  const l = launch(`${READ_LAUNCH} console.log('trial', l.trialId, 'attempt', process.env.SWEEP_ATTEMPT, 'nats', process.env.SWEEP_NATS_URL);`, {
    nodeSelector: { 'kubernetes.io/os': 'linux' }, tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
    extraLabels: { team: 'science' }, activeDeadlineSeconds: 600, ttlSecondsAfterFinished: 120,
  });
  const r = start(ex, l);
  assert.deepEqual(await r.outcome, { exitCode: 0 });
  const phases = r.beats.map((b) => b.phase);
  assert.ok(phases.includes('Running') && phases.at(-1) === 'Succeeded', phases.join(','));
  const name = jobName(l.sweepId, l.trialId, 1);
  assert.ok(r.beats.every((b) => b.phase === 'Creating' || b.handle === `${NS}/${name}`));
  const job = await batch.readNamespacedJob({ name, namespace: NS });
  assert.equal(job.spec?.backoffLimit, 0);
  assert.equal(job.spec?.activeDeadlineSeconds, 600);
  assert.equal(job.spec?.ttlSecondsAfterFinished, 120);
  assert.equal(job.metadata?.labels?.team, 'science');
  const c = job.spec!.template.spec!.containers[0];
  assert.equal(c.resources?.limits?.['nvidia.com/gpu'], '1');
  assert.equal(job.spec!.template.spec!.nodeSelector?.['kubernetes.io/os'], 'linux');
  const pods = await core.listNamespacedPod({ namespace: NS, labelSelector: `${LABELS.job}=${name}` });
  const log = await core.readNamespacedPodLog({ name: pods.items[0].metadata!.name!, namespace: NS });
  assert.equal(log.trim(), `trial ${l.trialId} attempt 1 nats nats://127.0.0.1:4222`);
});

test('OOMKilled: failed, not retryable, with the reason and the last log lines', async () => {
  const hog = "console.log('allocating'); const a = []; setInterval(() => { for (let i = 0; i < 16; i++) a.push(Buffer.alloc(1 << 20, 1)); }, 20);";
  const out = await start(executor(), launch(hog, { memory: '128Mi' })).outcome;
  assert.equal(out.failure?.kind, 'oom-killed');
  assert.equal(out.failure?.retryable, false);
  assert.match(out.failure!.message, /OOMKilled.*memory limit of 128Mi/);
  assert.deepEqual(out.failure?.logTail, ['allocating']);
});

test('a non-zero exit is a retryable crash; the trainer\'s "invalid" exit (2) is not', async () => {
  const crash = await start(executor(), launch("console.error('something broke'); process.exit(3)")).outcome;
  assert.equal(crash.failure?.kind, 'crashed');
  assert.equal(crash.exitCode, 3);
  assert.equal(crash.failure?.retryable, true);
  assert.deepEqual(crash.failure?.logTail, ['something broke']);
  const invalid = await start(executor(), launch("console.error('bad config'); process.exit(2)")).outcome;
  assert.equal(invalid.exitCode, 2);
  assert.equal(invalid.failure?.retryable, false);
});

test('evicted by the kubelet, preempted, or evicted through the API: retryable, with the kind', async () => {
  const wait = 'setInterval(() => {}, 1000)';
  const [evicted, preempted] = await Promise.all([
    start(executor(), launch(wait, { extraLabels: { [INJECT]: 'evict', [INJECT_AFTER_MS]: '300' } })).outcome,
    start(executor(), launch(wait, { extraLabels: { [INJECT]: 'preempt', [INJECT_AFTER_MS]: '300' } })).outcome,
  ]);
  assert.equal(evicted.failure?.kind, 'evicted');
  assert.equal(evicted.failure?.retryable, true);
  assert.match(evicted.failure!.message, /evicted by the kubelet.*low on resource/);
  assert.equal(preempted.failure?.kind, 'preempted');
  assert.equal(preempted.failure?.retryable, true);

  const l = launch(wait);
  const r = start(executor(), l);
  const pod = await runningPod(jobName(l.sweepId, l.trialId, 1));
  await core.createNamespacedPodEviction({ name: pod.metadata!.name!, namespace: NS, body: { metadata: { name: pod.metadata!.name!, namespace: NS } } });
  const viaApi = await r.outcome;
  assert.equal(viaApi.failure?.kind, 'evicted');
  assert.match(viaApi.failure!.message, /Eviction API/);
});

test('an unpullable image fails without retry after the grace; an unschedulable pod is retryable after its timeout', async () => {
  const [pull, sched] = await Promise.all([
    start(executor(), launch('process.exit(0)', { image: 'registry.invalid/trainer:missing', imagePullGraceSeconds: 2 })),
    start(executor(), launch('process.exit(0)', { gpus: 64, unschedulableTimeoutSeconds: 2 })),
  ]);
  const p = await pull.outcome;
  assert.equal(p.failure?.kind, 'image-pull');
  assert.equal(p.failure?.retryable, false);
  assert.match(p.failure!.message, /registry\.invalid\/trainer:missing/);
  assert.ok(pull.beats.some((b) => b.reason === 'ErrImagePull' || b.reason === 'ImagePullBackOff'));
  const s = await sched.outcome;
  assert.equal(s.failure?.kind, 'unschedulable');
  assert.equal(s.failure?.retryable, true);
  assert.match(s.failure!.message, /nvidia\.com\/gpu/);
  assert.ok(sched.beats.some((b) => b.phase === 'Pending' && b.reason === 'Unschedulable'));
});

test('activeDeadlineSeconds: deadline exceeded, not retryable', async () => {
  const out = await start(executor(), launch('setInterval(() => {}, 1000)', { activeDeadlineSeconds: 2 })).outcome;
  assert.equal(out.failure?.kind, 'deadline-exceeded');
  assert.equal(out.failure?.retryable, false);
});

test('cancellation deletes the Job and its pods and stops the process', async () => {
  const l = launch("process.on('SIGTERM', () => { console.log('stopping'); process.exit(143); }); setInterval(() => {}, 1000);");
  const r = start(executor(), l);
  const name = jobName(l.sweepId, l.trialId, 1);
  const pod = await runningPod(name);
  const key = `${NS}/${pod.metadata!.name}`;
  await waitFor('the pod process', async () => cluster.agent.processes().has(key), 10_000);
  const [pid] = cluster.agent.processes().get(key)!;
  r.abort.abort(new CancelledFailure('CANCELLED'));
  const out = await r.outcome;
  assert.equal(out.failure?.kind, 'cancelled');
  assert.equal(out.failure?.retryable, false);
  assert.deepEqual(await jobsOfTrial(l), []);
  const pods = await core.listNamespacedPod({ namespace: NS, labelSelector: `${LABELS.job}=${name}` });
  assert.deepEqual(pods.items, []);
  assert.throws(() => process.kill(pid, 0), /ESRCH/);
});

test('a worker shutting down leaves the Job running; the next attempt on a new worker adopts it', async () => {
  const l = launch("setTimeout(() => { console.log('done'); process.exit(0); }, 3000)");
  const first = start(executor(), l);
  const name = jobName(l.sweepId, l.trialId, 1);
  await runningPod(name);
  first.abort.abort(new CancelledFailure('WORKER_SHUTDOWN'));
  const detached = await first.outcome;
  assert.equal(detached.failure?.kind, 'cancelled');
  assert.equal(detached.failure?.retryable, true);
  assert.equal((await batch.readNamespacedJob({ name, namespace: NS })).metadata?.name, name);
  // a new worker process, the activity's second attempt
  const second = start(executor(), { ...l, attempt: 2 });
  assert.deepEqual(await second.outcome, { exitCode: 0 });
  assert.ok(second.beats.every((b) => b.phase === 'Creating' || b.handle === `${NS}/${name}`), 'followed the first attempt\'s Job');
  assert.deepEqual((await jobsOfTrial(l)).map((j) => j.metadata?.name), [name]);
});

test('a retried attempt whose Job already exists adopts it instead of duplicating', async () => {
  const l = launch("setTimeout(() => process.exit(0), 1500)");
  const a = start(executor(), l);
  await runningPod(jobName(l.sweepId, l.trialId, 1));
  const b = start(executor(), l);
  assert.deepEqual(await Promise.all([a.outcome, b.outcome]), [{ exitCode: 0 }, { exitCode: 0 }]);
  assert.equal((await jobsOfTrial(l)).length, 1);
});

test('a launch too large for an annotation travels in a ConfigMap owned by the Job', async () => {
  const config = {
    seed: 999, task: { kind: 'file', format: 'csv', train: { x: `/data/${'x'.repeat(140_000)}.csv` } },
    optimizer: { kind: 'sgd', lr: 0.1 },
  };
  const l = launch(`${READ_LAUNCH} console.log('path length', l.config.task.train.x.length);`, {}, { config });
  const out = await start(executor(), l).outcome;
  assert.deepEqual(out, { exitCode: 0 });
  const name = jobName(l.sweepId, l.trialId, 1);
  const job = await batch.readNamespacedJob({ name, namespace: NS });
  const cms = await core.listNamespacedConfigMap({ namespace: NS, labelSelector: `${LABELS.job}=${name}` });
  assert.equal(cms.items.length, 1);
  assert.equal(cms.items[0].metadata?.ownerReferences?.[0]?.uid, job.metadata?.uid);
  const pods = await core.listNamespacedPod({ namespace: NS, labelSelector: `${LABELS.job}=${name}` });
  assert.equal((await core.readNamespacedPodLog({ name: pods.items[0].metadata!.name!, namespace: NS })).trim(), 'path length 140010');
  await batch.deleteNamespacedJob({ name, namespace: NS, propagationPolicy: 'Foreground' });
  await waitFor('the ConfigMap to be garbage-collected with its Job', async () =>
    (await core.listNamespacedConfigMap({ namespace: NS, labelSelector: `${LABELS.job}=${name}` })).items.length === 0, 30_000, { intervalMs: 200 });
});

test('an attempt\'s NATS credential travels in a Secret owned by the Job, never in the launch, and goes with the Job', async () => {
  const issuer = new TrialCredentialIssuer({ signingSeed: new TextDecoder().decode(createAccount().getSeed()) });
  const dir = mkdtempSync(join(tmpdir(), 'sweep-kube-ca-'));
  const caPem = '-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n';
  writeFileSync(join(dir, 'ca.crt'), caPem);
  try {
    const l = launch(`${READ_LAUNCH} const fs = require('fs'); const a = l.nats.auth; const CA = ${JSON.stringify(caPem)};` +
      " console.log(JSON.stringify(a)); console.log(fs.readFileSync(process.env.SWEEP_NATS_CREDS, 'utf8').split('\\n')[0]);" +
      " console.log(fs.readFileSync(process.env.SWEEP_NATS_TLS_CA, 'utf8') === CA ? 'ca ok' : 'ca differs');");
    // the worker's own file paths never reach the pod: it gets the Secret's
    l.nats.auth = { tls: { ca: join(dir, 'ca.crt') }, creds: '/worker/only.creds' };
    const credential = await issuer.issue(l.sweepId, l.trialId, 1);
    const ex = executor();
    const out = await ex.run(l, { heartbeat: () => undefined, signal: new AbortController().signal, credential });
    assert.deepEqual(out, { exitCode: 0 });
    const name = jobName(l.sweepId, l.trialId, 1);
    const job = await batch.readNamespacedJob({ name, namespace: NS });
    const secret = await core.readNamespacedSecret({ name: natsSecretName(name), namespace: NS });
    assert.equal(secret.metadata?.ownerReferences?.[0]?.uid, job.metadata?.uid);
    assert.equal(Buffer.from(secret.data!['trial.creds'], 'base64').toString(), credential.creds);
    // the launch annotation, the Job and the pod's log hold paths only (the test node agent
    // rewrites mount paths in the environment, not inside the launch file)
    const everything = JSON.stringify(job);
    assert.ok(!everything.includes(credential.jwt) && !everything.includes('SU'), 'no JWT or seed in the Job');
    const pods = await core.listNamespacedPod({ namespace: NS, labelSelector: `${LABELS.job}=${name}` });
    assert.ok(!JSON.stringify(pods.items).includes(credential.jwt));
    const log = (await core.readNamespacedPodLog({ name: pods.items[0].metadata!.name!, namespace: NS })).trim().split('\n');
    assert.deepEqual(JSON.parse(log[0]), { creds: `${NATS_SECRET_DIR}/trial.creds`, inboxPrefix: credential.inboxPrefix, tls: { ca: `${NATS_SECRET_DIR}/ca.crt` } });
    assert.equal(log[1], '-----BEGIN NATS USER JWT-----');
    assert.equal(log[2], 'ca ok');
    // deleting the Job deletes its Secret (kube-controller-manager's garbage collector, ownerReferences)
    await batch.deleteNamespacedJob({ name, namespace: NS, propagationPolicy: 'Background' });
    await waitFor('the Secret to be garbage-collected with its Job', async () =>
      (await core.listNamespacedSecret({ namespace: NS, labelSelector: `${LABELS.job}=${name}` })).items.length === 0, 30_000, { intervalMs: 200 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('concurrent trials share one watch of Jobs and one of pods', async () => {
  const ex = executor();
  const runs = Array.from({ length: 6 }, () => start(ex, launch('setTimeout(() => process.exit(0), 500)', { gpus: 0 })));
  const outs = await Promise.all(runs.map((r) => r.outcome));
  assert.ok(outs.every((o) => o.exitCode === 0 && !o.failure));
  assert.equal(ex.api.calls.get('list jobs'), 1);
  assert.equal(ex.api.calls.get('list pods'), 1);
  assert.equal(ex.api.calls.get('watch jobs'), 1);
  assert.equal(ex.api.calls.get('watch pods'), 1);
  assert.equal(ex.api.calls.get('create job'), 6);
});

test('an API server restart mid-trial: the watch reconnects and the trial completes', async () => {
  const failed: string[] = [];
  const ex = executor({ onError: (op) => failed.push(op) });
  const l = launch("setTimeout(() => process.exit(0), 6000)");
  const r = start(ex, l);
  await runningPod(jobName(l.sweepId, l.trialId, 1));
  await cluster.cp.restartApiServer();
  assert.deepEqual(await r.outcome, { exitCode: 0 });
  assert.ok(ex.hub(NS).restarts >= 1, 'the shared watch was restarted');
  assert.ok(failed.some((op) => op.startsWith('watch ')), `the broken watch was reported as a failed call: ${failed.join(', ')}`);
});

test('the worker\'s executor reports every failed Kubernetes call to telemetry as kind "kubernetes"', async () => {
  const kinds: string[] = [];
  const ex = await kubernetesExecutorFactory({
    nc: undefined as never,
    env: { KUBECONFIG: cluster.cp.adminKubeconfigPath, [KUBE_ENV.namespace]: NS, [KUBE_ENV.gcInterval]: '0' },
    hooks: { apiError: (kind) => { kinds.push(kind); throw new Error('a broken exporter must not matter'); } },
  });
  assert.ok(ex, 'built from KUBECONFIG');
  executors.push(ex);
  await assert.rejects(ex.api.call('read job', () => ex.api.batch.readNamespacedJob({ name: 'no-such-job', namespace: NS })), (err: unknown) => (err as { code?: number }).code === 404);
  assert.deepEqual(kinds, ['kubernetes']);
  await ex.api.call('list jobs', () => ex.api.batch.listNamespacedJob({ namespace: NS }));
  assert.deepEqual(kinds, ['kubernetes'], 'successful calls are not counted');
});

test('the garbage collector deletes the Jobs of sweeps that are over and keeps running ones', async () => {
  const ex = executor();
  const over = launch('process.exit(0)', {}, { sweepId: 'finished-sweep' });
  const live = launch('process.exit(0)', {}, { sweepId: 'running-sweep' });
  await Promise.all([start(ex, over).outcome, start(ex, live).outcome]);
  const asked: string[] = [];
  const gc = new JobGarbageCollector(ex, {
    namespace: NS, minAgeMs: 0,
    liveness: async (id) => { asked.push(id); return id === 'running-sweep' ? 'running' : id === 'finished-sweep' ? 'over' : 'unknown'; },
  });
  const pass = await gc.collect();
  assert.deepEqual(pass.deleted, [jobName('finished-sweep', over.trialId, 1)]);
  assert.ok(asked.includes('running-sweep') && asked.includes('finished-sweep'));
  await waitFor('the finished sweep\'s Job to be gone', async () => (await jobsOfTrial(over)).length === 0, 30_000, { intervalMs: 200 });
  assert.equal((await jobsOfTrial(live)).length, 1);
});
