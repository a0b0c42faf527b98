// How an orchestrator worker configures its Kubernetes executor from the environment: which
// credentials, which namespace and Job defaults, and one-line errors naming a bad variable.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executorOptionsFromEnv, kubernetesExecutorFactory, loadKubeConfig } from '../../activities/kubernetes/factory.js';
import { KubernetesExecutor } from '../../activities/kubernetes/executor.js';
import { kubernetesExecutionSchema } from '../../core/config/execution.js';

const dir = mkdtempSync(join(tmpdir(), 'sweep-kube-factory-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const noSa = join(dir, 'no-service-account');

const kubeconfig = join(dir, 'config');
writeFileSync(kubeconfig, [
  'apiVersion: v1', 'kind: Config',
  'clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true}}]',
  'users: [{name: u, user: {token: abc}}]',
  'contexts: [{name: x, context: {cluster: c, user: u}}]', 'current-context: x', '',
].join('\n'));

test('no credentials anywhere: no executor (the worker offers only the others)', async () => {
  const env = { HOME: dir };
  assert.equal(loadKubeConfig(env, noSa), undefined);
  assert.equal(await kubernetesExecutorFactory({ nc: undefined as never, env }), undefined);
});

test('KUBECONFIG is used when set; ~/.kube/config otherwise', () => {
  assert.equal(loadKubeConfig({ KUBECONFIG: kubeconfig, HOME: dir }, noSa)?.getCurrentCluster()?.server, 'https://127.0.0.1:6443');
  mkdirSync(join(dir, 'home', '.kube'), { recursive: true });
  writeFileSync(join(dir, 'home', '.kube', 'config'), [
    'apiVersion: v1', 'kind: Config',
    'clusters: [{name: c, cluster: {server: "https://10.0.0.1:443"}}]', 'users: [{name: u, user: {token: def}}]',
    'contexts: [{name: x, context: {cluster: c, user: u}}]', 'current-context: x', '',
  ].join('\n'));
  const kc = loadKubeConfig({ HOME: join(dir, 'home') }, noSa);
  assert.equal(kc?.getCurrentCluster()?.server, 'https://10.0.0.1:443');
  assert.equal(kc?.getCurrentUser()?.token, 'def');
});

test('namespace, trainer image and Job defaults come from the environment', () => {
  const o = executorOptionsFromEnv({
    SWEEP_KUBE_NAMESPACE: 'research', SWEEP_TRAINER_IMAGE: 'registry.example/trainer:2',
    SWEEP_TRAINER_DEFAULTS: JSON.stringify({ gpus: 2, nodeSelector: { pool: 'a100' } }), SWEEP_KUBE_QPS: '20', SWEEP_KUBE_BURST: '40',
  }, noSa);
  assert.deepEqual(o.defaults, { gpus: 2, nodeSelector: { pool: 'a100' }, image: 'registry.example/trainer:2', namespace: 'research' });
  assert.equal(o.qps, 20);
  assert.equal(o.burst, 40);
  assert.equal(o.gcIntervalS, 300);
  assert.equal(o.gcAlways, false);
});

test('worker defaults fill only what a spec leaves at the schema default', () => {
  const ex = new KubernetesExecutor({ kubeConfig: loadKubeConfig({ KUBECONFIG: kubeconfig }, noSa)!, defaults: { namespace: 'research', image: 'site/trainer:2', gpus: 4 } });
  const launch = (k: object) => ({ sweepId: 's', trialId: '0123456789abcdef', attempt: 1, config: {} as never, nats: { servers: [] }, kubernetes: kubernetesExecutionSchema.parse(k) });
  const kept = ex.settings(launch({}));
  assert.deepEqual([kept.namespace, kept.image, kept.gpus], ['research', 'site/trainer:2', 4]);
  const own = ex.settings(launch({ namespace: 'other', image: 'mine:1', gpus: 0 }));
  assert.deepEqual([own.namespace, own.image, own.gpus], ['other', 'mine:1', 0]);
});

test('bad values are one-line errors naming the variable', () => {
  assert.throws(() => executorOptionsFromEnv({ SWEEP_KUBE_QPS: 'fast' }, noSa), /SWEEP_KUBE_QPS: must be a number >= 0.1, got "fast"/);
  assert.throws(() => executorOptionsFromEnv({ SWEEP_TRAINER_DEFAULTS: '{gpus:1}' }, noSa), /SWEEP_TRAINER_DEFAULTS: not JSON/);
  assert.throws(() => executorOptionsFromEnv({ SWEEP_TRAINER_DEFAULTS: '{"gpu": 1}' }, noSa), /SWEEP_TRAINER_DEFAULTS\.gpu: unknown key/);
  assert.throws(() => executorOptionsFromEnv({ SWEEP_TRAINER_DEFAULTS: '{"memory": "lots"}' }, noSa), /SWEEP_TRAINER_DEFAULTS\.memory: must be a Kubernetes quantity/);
  assert.throws(() => executorOptionsFromEnv({ SWEEP_KUBE_NAMESPACE: 'Not_A_Label' }, noSa), /SWEEP_KUBE_NAMESPACE: "Not_A_Label" is not a DNS-1123 label/);
});
