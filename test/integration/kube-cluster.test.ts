// The Kubernetes test environment itself: real control plane + the test node agent acting as
// kubelet. Checks what the executor tests rely on: pods run as local processes, logs reach
// `pods/log` through the API server, exit codes/reasons/termination messages are reported,
// memory limits OOM-kill, faults can be injected, deletion stops processes, GPU capacity is
// scheduled, and the agent survives an API server restart.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type V1Job, type V1Pod } from '@kubernetes/client-node';
import { startKubeTestCluster, type KubeTestCluster } from '../servers/kube/cluster.js';
import { INJECT } from '../servers/kube/node-agent.js';
import { waitFor } from '../servers/kube/processes.js';

const NS = 'agent-test';
let cluster: KubeTestCluster;
let batch: BatchV1Api;
let core: CoreV1Api;

before(async () => {
  cluster = await startKubeTestCluster({
    nodes: [{ name: 'gpu-a', gpus: 2 }, { name: 'gpu-b', gpus: 2 }],
    agent: { pullable: (image) => !image.startsWith('registry.invalid/') },
  });
  batch = cluster.kc.makeApiClient(BatchV1Api);
  core = cluster.kc.makeApiClient(CoreV1Api);
  await cluster.createNamespace(NS);
});
after(async () => { await cluster?.stop(); });

function job(name: string, script: string, extra: { labels?: Record<string, string>; memory?: string; gpus?: number; image?: string } = {}): V1Job {
  const limits: Record<string, string> = {};
  if (extra.memory) limits.memory = extra.memory;
  if (extra.gpus) limits['nvidia.com/gpu'] = String(extra.gpus);
  return {
    metadata: { name },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels: extra.labels },
        spec: {
          restartPolicy: 'Never',
          containers: [{
            name: 'main', image: extra.image ?? 'sweep-trainer:test', command: ['node', '-e', script],
            terminationMessagePolicy: 'FallbackToLogsOnError', resources: { limits },
          }],
        },
      },
    },
  };
}

async function podOf(jobName: string, until: (p: V1Pod) => boolean, timeoutMs = 30_000): Promise<V1Pod> {
  let found: V1Pod | undefined;
  await waitFor(`pod of job ${jobName}`, async () => {
    const pods = await core.listNamespacedPod({ namespace: NS, labelSelector: `batch.kubernetes.io/job-name=${jobName}` });
    found = pods.items.find(until);
    return !!found;
  }, timeoutMs, { intervalMs: 200 });
  return found!;
}

async function jobCondition(name: string): Promise<string> {
  let cond = '';
  await waitFor(`job ${name} to finish`, async () => {
    const j = await batch.readNamespacedJob({ name, namespace: NS });
    const c = j.status?.conditions?.find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
    cond = c ? `${c.type}/${c.reason}` : '';
    return !!c;
  }, 30_000, { intervalMs: 200 });
  return cond;
}

const terminated = (p: V1Pod) => p.status?.containerStatuses?.[0]?.state?.terminated;

test('a pod runs as a local process; its output is served through pods/log', async () => {
  await batch.createNamespacedJob({ namespace: NS, body: job('hello', "console.log('line 1'); console.log('hello from', process.env.HOSTNAME)") });
  assert.equal(await jobCondition('hello'), 'Complete/CompletionsReached');
  const pod = await podOf('hello', (p) => p.status?.phase === 'Succeeded');
  assert.equal(terminated(pod)?.exitCode, 0);
  assert.equal(terminated(pod)?.reason, 'Completed');
  const log = await core.readNamespacedPodLog({ name: pod.metadata!.name!, namespace: NS, tailLines: 1 });
  assert.equal(log, `hello from ${pod.metadata!.name}\n`);
});

test('a failing container reports its exit code and the log tail as termination message', async () => {
  await batch.createNamespacedJob({ namespace: NS, body: job('fails', "console.error('boom: bad things'); process.exit(3)") });
  assert.equal(await jobCondition('fails'), 'Failed/BackoffLimitExceeded');
  const pod = await podOf('fails', (p) => p.status?.phase === 'Failed');
  assert.equal(terminated(pod)?.exitCode, 3);
  assert.equal(terminated(pod)?.reason, 'Error');
  assert.equal(terminated(pod)?.message, 'boom: bad things\n');
});

test('exceeding limits.memory gets the container OOMKilled', async () => {
  const hog = 'const a = []; setInterval(() => { for (let i = 0; i < 16; i++) a.push(Buffer.alloc(1 << 20, 1)); }, 20);';
  await batch.createNamespacedJob({ namespace: NS, body: job('hog', hog, { memory: '96Mi' }) });
  assert.equal(await jobCondition('hog'), 'Failed/BackoffLimitExceeded');
  const pod = await podOf('hog', (p) => p.status?.phase === 'Failed');
  assert.equal(terminated(pod)?.reason, 'OOMKilled');
  assert.equal(terminated(pod)?.exitCode, 137);
});

test('an eviction requested by annotation fails the pod as the kubelet does', async () => {
  await batch.createNamespacedJob({ namespace: NS, body: job('evictme', 'setInterval(() => {}, 1000)') });
  const running = await podOf('evictme', (p) => p.status?.phase === 'Running');
  await core.patchNamespacedPod({ name: running.metadata!.name!, namespace: NS, body: { metadata: { annotations: { [INJECT]: 'evict' } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  const pod = await podOf('evictme', (p) => p.status?.phase === 'Failed');
  assert.equal(pod.status?.reason, 'Evicted');
  const dt = pod.status?.conditions?.find((c) => c.type === 'DisruptionTarget');
  assert.equal(dt?.reason, 'TerminationByKubelet');
  assert.equal(await jobCondition('evictme'), 'Failed/BackoffLimitExceeded');
});

test('an image that cannot be pulled leaves the pod waiting with ErrImagePull / ImagePullBackOff', async () => {
  await batch.createNamespacedJob({ namespace: NS, body: job('nopull', 'process.exit(0)', { image: 'registry.invalid/nope:1' }) });
  const pod = await podOf('nopull', (p) => /ErrImagePull|ImagePullBackOff/.test(p.status?.containerStatuses?.[0]?.state?.waiting?.reason ?? ''));
  assert.equal(pod.status?.phase, 'Pending');
  await batch.deleteNamespacedJob({ name: 'nopull', namespace: NS, propagationPolicy: 'Foreground' });
});

test('GPU requests are scheduled against node capacity; too many GPUs stay Unschedulable', async () => {
  await batch.createNamespacedJob({ namespace: NS, body: job('gpu2', 'process.exit(0)', { gpus: 2 }) });
  assert.equal(await jobCondition('gpu2'), 'Complete/CompletionsReached');
  await batch.createNamespacedJob({ namespace: NS, body: job('gpu3', 'process.exit(0)', { gpus: 3 }) });
  const pod = await podOf('gpu3', (p) => p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.reason === 'Unschedulable') === true);
  assert.match(pod.status!.conditions!.find((c) => c.type === 'PodScheduled')!.message ?? '', /nvidia\.com\/gpu/);
  await batch.deleteNamespacedJob({ name: 'gpu3', namespace: NS, propagationPolicy: 'Background' });
});

test('deleting a running Job stops its process and removes the pod', async () => {
  await batch.createNamespacedJob({ namespace: NS, body: job('longrun', 'setInterval(() => {}, 1000)') });
  const pod = await podOf('longrun', (p) => p.status?.phase === 'Running');
  const key = `${NS}/${pod.metadata!.name}`;
  await waitFor('process of the pod', async () => cluster.agent.processes().has(key), 10_000);
  const [pid] = cluster.agent.processes().get(key)!;
  await batch.deleteNamespacedJob({ name: 'longrun', namespace: NS, propagationPolicy: 'Foreground' });
  await waitFor('job and pod gone', async () => {
    const pods = await core.listNamespacedPod({ namespace: NS, labelSelector: 'batch.kubernetes.io/job-name=longrun' });
    const jobs = await batch.listNamespacedJob({ namespace: NS, fieldSelector: 'metadata.name=longrun' });
    return pods.items.length === 0 && jobs.items.length === 0;
  }, 30_000, { intervalMs: 200 });
  assert.throws(() => process.kill(pid, 0), /ESRCH/);
});

test('after an API server restart the agent keeps reporting', async () => {
  await batch.createNamespacedJob({ namespace: NS, body: job('across', 'setTimeout(() => process.exit(0), 4000)') });
  await podOf('across', (p) => p.status?.phase === 'Running');
  await cluster.cp.restartApiServer();
  assert.equal(await jobCondition('across'), 'Complete/CompletionsReached');
  await batch.createNamespacedJob({ namespace: NS, body: job('after', 'process.exit(0)') });
  assert.equal(await jobCondition('after'), 'Complete/CompletionsReached');
});
