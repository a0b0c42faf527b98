// A node that stops reporting (network partition, dead kubelet): the node lifecycle controller
// marks it unreachable, the taint-based eviction removes the trial's pod, and the executor
// reports the attempt as node-lost, retryable. Its own cluster: the controller manager runs
// with a short node grace period, which the other tests do not want.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { kubernetesExecutionSchema } from '../../core/config/execution.js';
import { trialConfigSchema } from '../../core/config/trial.js';
import { trialId } from '../../core/ids.js';
import { KubernetesExecutor } from '../../activities/kubernetes/executor.js';
import { LABELS, jobName } from '../../activities/kubernetes/names.js';
import { startKubeTestCluster, type KubeTestCluster } from '../servers/kube/cluster.js';
import { waitFor } from '../servers/kube/processes.js';

const NS = 'trials';
let cluster: KubeTestCluster;
let ex: KubernetesExecutor;

before(async () => {
  cluster = await startKubeTestCluster({
    // a healthy second node: with every node of a zone unreachable the controller assumes a
    // zone-wide outage and evicts nothing
    nodes: [{ name: 'gpu-lost', gpus: 1 }, { name: 'cpu-ok', gpus: 0 }],
    controllerManagerArgs: ['--node-monitor-grace-period=10s', '--node-monitor-period=2s'],
    agent: { heartbeatMs: 1000 },
  });
  await cluster.createNamespace(NS);
  ex = new KubernetesExecutor({ kubeConfig: cluster.kc, defaults: { namespace: NS }, tickMs: 250 });
});
after(async () => {
  await ex?.close();
  await cluster?.stop();
});

test('a lost node: the pod is evicted by the taint manager and the attempt fails as node-lost, retryable', { timeout: 180_000 }, async () => {
  const config = trialConfigSchema.parse({ task: { kind: 'teacher-mlp' }, optimizer: { kind: 'sgd', lr: 0.1 } });
  const launch = {
    sweepId: 'node-lost', trialId: trialId(config), attempt: 1, config, nats: { servers: ['nats://127.0.0.1:4222'] },
    kubernetes: kubernetesExecutionSchema.parse({
      cpu: '100m', memory: '256Mi', command: ['node', '-e', "console.log('training'); setInterval(() => {}, 1000)"],
      // evict promptly once the node is unreachable (the admission default would wait 300 s)
      tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1 }],
    }),
  };
  const beats: string[] = [];
  const outcome = ex.run(launch, { heartbeat: (b) => beats.push(b.phase), signal: new AbortController().signal });
  const core = cluster.kc.makeApiClient(CoreV1Api);
  const name = jobName(launch.sweepId, launch.trialId, 1);
  await waitFor('the pod to run', async () => {
    const pods = await core.listNamespacedPod({ namespace: NS, labelSelector: `${LABELS.job}=${name}` });
    return pods.items.some((p: V1Pod) => p.status?.phase === 'Running');
  }, 30_000, { intervalMs: 200 });
  cluster.agent.setPartitioned('gpu-lost', true);
  const out = await outcome;
  assert.equal(out.failure?.kind, 'node-lost', JSON.stringify(out));
  assert.equal(out.failure?.retryable, true);
  assert.match(out.failure!.message, /DeletionByTaintManager.*gpu-lost/);
  assert.ok(beats.includes('Running'));
  // the node comes back: its agent stops the orphaned process and finishes the pod's deletion
  cluster.agent.setPartitioned('gpu-lost', false);
  await waitFor('the pod to be gone', async () =>
    (await core.listNamespacedPod({ namespace: NS, labelSelector: `${LABELS.job}=${name}` })).items.length === 0, 60_000, { intervalMs: 500 });
  assert.equal(cluster.agent.processes().size, 0);
});
