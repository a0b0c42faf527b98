// The deployable manifests: the Helm chart (charts/sweep) renders what its values say, every
// object of the chart and of the kustomize base (k8s/) is accepted by a real API server
// (server-side apply, dry run), and the orchestrator's Role lets its ServiceAccount run trial
// Jobs in its namespace — under the restricted Pod Security Standard — and nothing else.
import { parseEnv } from '../../core/env.js';
import { orchestratorEnvSchema } from '../../workers/process-env.js';
import { createAccount } from '@nats-io/jwt';
import { TrialCredentialIssuer } from '../../activities/trial-credentials.js';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  ApiextensionsV1Api, AppsV1Api, BatchV1Api, CoreV1Api, KubernetesObjectApi, PatchStrategy,
  type KubernetesObject, type V1ConfigMap, type V1Deployment, type V1Job,
} from '@kubernetes/client-node';
import { kubernetesExecutionSchema } from '../../core/config/execution.js';
import { trialConfigSchema } from '../../core/config/trial.js';
import { trialId } from '../../core/ids.js';
import { KubernetesExecutor } from '../../activities/kubernetes/executor.js';
import { executorOptionsFromEnv } from '../../activities/kubernetes/factory.js';
import { buildTrialJob, natsSecretName } from '../../activities/kubernetes/job-spec.js';
import { repoRoot } from '../servers/kube/control-plane.js';
import { startKubeTestCluster, type KubeTestCluster } from '../servers/kube/cluster.js';
import { RenderError, helmTemplate, kustomizeBuild } from '../servers/kube/manifests.js';
import { waitFor } from '../servers/kube/processes.js';

let cluster: KubeTestCluster;
before(async () => {
  cluster = await startKubeTestCluster({ nodes: [{ name: 'gpu-0', gpus: 4 }] });
});
after(async () => { await cluster?.stop(); });

const find = <T extends KubernetesObject>(objs: KubernetesObject[], kind: string, name: string) =>
  objs.find((o) => o.kind === kind && o.metadata?.name === name) as T | undefined;
const kinds = (objs: KubernetesObject[]) => objs.map((o) => `${o.kind}/${o.metadata?.name}`).sort();

test('the chart renders the stack with its default values', () => {
  const objs = helmTemplate({ release: 'sweep' });
  const dashboards = readdirSync(join(repoRoot, 'charts/sweep/dashboards')).filter((f) => f.endsWith('.json'));
  assert.deepEqual(kinds(objs), [
    ...dashboards.map((f) => `ConfigMap/sweep-dashboard-${f.replace(/\.json$/, '')}`),
    'ConfigMap/sweep-config', 'Deployment/sweep-aggregator', 'Deployment/sweep-orchestrator',
    'Role/sweep-orchestrator', 'RoleBinding/sweep-orchestrator', 'Service/sweep-aggregator', 'Service/sweep-orchestrator',
    'ServiceAccount/sweep-orchestrator',
  ].sort());
  const orch = find<V1Deployment>(objs, 'Deployment', 'sweep-orchestrator')!;
  const c = orch.spec!.template.spec!.containers[0];
  assert.deepEqual(c.args, ['--max-trials=500', '--no-aggregator']);
  // the heap is bounded below the container's memory limit, so V8 collects before the limit kills it
  assert.equal(c.env?.find((e) => e.name === 'NODE_OPTIONS')?.value, '--max-old-space-size=1024');
  const agg = find<V1Deployment>(objs, 'Deployment', 'sweep-aggregator')!.spec!.template.spec!.containers[0];
  assert.equal(agg.env?.find((e) => e.name === 'NODE_OPTIONS')?.value, '--max-old-space-size=512');
  const unbounded = find<V1Deployment>(helmTemplate({ values: { 'orchestrator.heapMb': 0 } }), 'Deployment', 'sweep-orchestrator')!;
  assert.equal(unbounded.spec!.template.spec!.containers[0].env?.some((e) => e.name === 'NODE_OPTIONS'), false);
  assert.equal(c.securityContext?.readOnlyRootFilesystem, true);
  assert.equal(orch.spec!.template.spec!.serviceAccountName, 'sweep-orchestrator');
  assert.equal(orch.spec!.template.metadata!.annotations!['prometheus.io/scrape'], 'true');
  for (const f of dashboards) {
    const cm = find<V1ConfigMap>(objs, 'ConfigMap', `sweep-dashboard-${f.replace(/\.json$/, '')}`)!;
    assert.equal(cm.metadata?.labels?.grafana_dashboard, '1');
    assert.ok(JSON.parse(cm.data![f]).panels, `${f} is a dashboard`);
  }
});

test('values reach the objects: endpoints, trainer Job defaults, aggregator, monitoring, schedules', () => {
  const objs = helmTemplate({
    release: 'lab',
    values: {
      'temporal.address': 'temporal.infra:7233', 'nats.url': 'nats://nats.infra:4222', 'nats.trainerUrl': 'nats://nats-gpu.infra:4222',
      'trainer.gpus': 2, 'trainer.memory': '32Gi', 'trainer.queue': 'team-a', 'trainer.nodeSelector': { pool: 'a100' }, 'trainer.image.tag': '1.2.3',
      'aggregator.enabled': false, 'metrics.serviceMonitor.enabled': true, 'alerts.enabled': true,
      'trainer.data': [{ name: 'datasets', mountPath: '/data', volume: { persistentVolumeClaim: { claimName: 'datasets', readOnly: true } } }],
      schedules: [{ name: 'nightly-canary', cron: '0 2 * * *', spec: { name: 'canary', task: { kind: 'teacher-mlp' } } }],
    },
  });
  const cfg = find<V1ConfigMap>(objs, 'ConfigMap', 'lab-sweep-config')!.data!;
  assert.equal(cfg.SWEEP_TEMPORAL_ADDRESS, 'temporal.infra:7233');
  assert.equal(cfg.SWEEP_TRAINER_NATS_URL, 'nats://nats-gpu.infra:4222');
  assert.equal(cfg.SWEEP_TRAINER_IMAGE, 'ghcr.io/sweep-orchestrator/trainer:1.2.3');
  // the executor reads exactly these variables: they must pass its validation
  const o = executorOptionsFromEnv({ ...cfg, SWEEP_KUBE_NAMESPACE: 'sweeps' }, '/nonexistent');
  assert.equal(o.defaults?.gpus, 2);
  assert.equal(o.defaults?.memory, '32Gi');
  assert.equal(o.defaults?.queue, 'team-a');
  assert.deepEqual(o.defaults?.nodeSelector, { pool: 'a100' });
  assert.deepEqual(o.dataMounts, [{ name: 'datasets', mountPath: '/data', volume: { persistentVolumeClaim: { claimName: 'datasets', readOnly: true } } }]);
  assert.equal(find(objs, 'Deployment', 'lab-sweep-aggregator'), undefined);
  assert.deepEqual(find<V1Deployment>(objs, 'Deployment', 'lab-sweep-orchestrator')!.spec!.template.spec!.containers[0].args, ['--max-trials=500']);
  assert.ok(find(objs, 'ServiceMonitor', 'lab-sweep'));
  const rule = find<KubernetesObject & { spec: { groups: Array<{ rules: Array<{ alert?: string }> }> } }>(objs, 'PrometheusRule', 'lab-sweep')!;
  assert.ok(rule.spec.groups.flatMap((g) => g.rules).some((r) => r.alert), 'alert rules from rules/*.yaml');
  const sched = find<V1ConfigMap>(objs, 'ConfigMap', 'lab-sweep-schedules')!;
  assert.match(sched.data!['nightly-canary.yaml'], /name: canary/);
  const job = find<V1Job>(objs, 'Job', 'lab-sweep-schedules')!;
  assert.equal(job.metadata?.annotations?.['helm.sh/hook'], 'post-install,post-upgrade');
  assert.match(job.spec!.template.spec!.containers[0].args![0], /schedule create nightly-canary \/schedules\/nightly-canary\.yaml --cron '0 2 \* \* \*'/);
});

test('a bad schedule in values fails rendering with the field named', () => {
  assert.throws(() => helmTemplate({ values: { schedules: [{ name: 'bad name!', cron: '@daily', spec: { name: 'x' } }] } }),
    (err: unknown) => err instanceof RenderError && /schedules\[\]\.name "bad name!"/.test(err.message));
  assert.throws(() => helmTemplate({ values: { schedules: [{ name: 'ok', spec: { name: 'x' } }] } }), /schedules\[ok\]\.cron: required/);
});

/** Installs minimal CRDs for the Prometheus Operator kinds (schema-less: only apiVersion/kind/metadata are checked). */
async function operatorCrds(): Promise<void> {
  const ext = cluster.kc.makeApiClient(ApiextensionsV1Api);
  for (const [kind, plural] of [['ServiceMonitor', 'servicemonitors'], ['PrometheusRule', 'prometheusrules']]) {
    await ext.createCustomResourceDefinition({
      body: {
        metadata: { name: `${plural}.monitoring.coreos.com` },
        spec: {
          group: 'monitoring.coreos.com', scope: 'Namespaced',
          names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
          versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } } }],
        },
      },
    });
  }
}

async function apply(objs: KubernetesObject[], namespace: string, dryRun: boolean): Promise<string[]> {
  const api = KubernetesObjectApi.makeApiClient(cluster.kc);
  const refused: string[] = [];
  for (const o of objs) {
    const obj = structuredClone(o);
    if (obj.kind !== 'Namespace') obj.metadata = { ...obj.metadata, namespace: obj.metadata?.namespace ?? namespace };
    try {
      await api.patch(obj, undefined, dryRun ? 'All' : undefined, 'sweep-tests', true, PatchStrategy.ServerSideApply);
    } catch (err) {
      refused.push(`${obj.kind}/${obj.metadata?.name}: ${String((err as { body?: unknown }).body ?? err).slice(0, 300)}`);
    }
  }
  return refused;
}

const NATS_VALUES = {
  'nats.auth.credsSecret.name': 'nats-admin', 'nats.tls.caSecret.name': 'nats-ca', 'nats.tls.clientSecret.name': 'nats-client',
  'nats.trialCredentials.signingKeySecret.name': 'nats-signing', 'nats.trialCredentials.account': `A${'B'.repeat(55)}`, 'nats.trialCredentials.ttlSeconds': 3600,
};

test('NATS values: credentials and TLS as files from Secrets, the signing key for the orchestrator only', () => {
  const objs = helmTemplate({ release: 'sec', values: NATS_VALUES });
  const files = (name: string) => {
    const pod = find<V1Deployment>(objs, 'Deployment', name)!.spec!.template.spec!;
    const c = pod.containers[0];
    const env = Object.fromEntries((c.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
    return { pod, c, env };
  };
  const orch = files('sec-sweep-orchestrator');
  assert.equal(orch.env.SWEEP_NATS_CREDS, '/etc/sweep/nats-auth/nats.creds');
  assert.equal(orch.env.SWEEP_NATS_TLS_CA, '/etc/sweep/nats-auth/ca.crt');
  assert.equal(orch.env.SWEEP_NATS_TLS_CERT, '/etc/sweep/nats-auth/tls.crt');
  assert.equal(orch.env.SWEEP_NATS_ACCOUNT_SIGNING_KEY_FILE, '/etc/sweep/nats-signing/seed');
  assert.equal(orch.env.SWEEP_TRIAL_CREDENTIAL_TTL_S, '3600');
  // the environment passes the orchestrator's own validation
  assert.doesNotThrow(() => parseEnv(orchestratorEnvSchema, { ...orch.env }));
  const sources = orch.pod.volumes!.find((v) => v.name === 'nats-auth')!.projected!.sources!.map((src) => src.secret!.name);
  assert.deepEqual(sources, ['nats-admin', 'nats-ca', 'nats-client']);
  assert.equal(orch.pod.volumes!.find((v) => v.name === 'nats-signing')!.secret!.secretName, 'nats-signing');
  const agg = files('sec-sweep-aggregator');
  assert.equal(agg.env.SWEEP_NATS_CREDS, '/etc/sweep/nats-auth/nats.creds');
  assert.equal(agg.env.SWEEP_NATS_ACCOUNT_SIGNING_KEY_FILE, undefined);
  assert.equal(agg.pod.volumes!.find((v) => v.name === 'nats-signing'), undefined);
  // no secret value in any ConfigMap
  assert.ok(!JSON.stringify(objs.filter((o) => o.kind === 'ConfigMap')).includes('nats-signing'));
  // the defaults mount nothing
  const plain = helmTemplate({ release: 'sec' });
  assert.equal(find<V1Deployment>(plain, 'Deployment', 'sec-sweep-orchestrator')!.spec!.template.spec!.volumes!.some((v) => v.name.startsWith('nats')), false);
});

// the ServiceMonitor's basic auth: the user name and password as keys of a Secret
const SCRAPE_BASIC_AUTH = { username: { name: 'metrics-scrape', key: 'username' }, password: { name: 'metrics-scrape', key: 'password' } };

test('metrics.webConfigSecret: the web config mounted and named, TCP probes, https scraping', () => {
  const objs = helmTemplate({ release: 'web', values: { 'metrics.webConfigSecret': 'metrics-tls', 'metrics.serviceMonitor.enabled': true, 'metrics.serviceMonitor.tlsConfig': { insecureSkipVerify: false, serverName: 'sweep' },
    'metrics.serviceMonitor.basicAuth': SCRAPE_BASIC_AUTH } });
  for (const name of ['web-sweep-orchestrator', 'web-sweep-aggregator']) {
    const pod = find<V1Deployment>(objs, 'Deployment', name)!.spec!.template;
    const c = pod.spec!.containers[0];
    assert.equal(c.env!.find((e) => e.name === 'SWEEP_METRICS_WEB_CONFIG')?.value, '/etc/sweep/metrics-web/web.yml', name);
    assert.equal(pod.spec!.volumes!.find((v) => v.name === 'metrics-web')?.secret?.secretName, 'metrics-tls');
    assert.deepEqual(c.readinessProbe?.tcpSocket, { port: 'metrics' });
    assert.equal(c.readinessProbe?.httpGet, undefined);
    assert.equal(pod.metadata!.annotations!['prometheus.io/scheme'], 'https');
  }
  const sm = find<KubernetesObject & { spec: { endpoints: Array<{ scheme?: string; tlsConfig?: unknown }> } }>(objs, 'ServiceMonitor', 'web-sweep')!;
  assert.equal(sm.spec.endpoints[0].scheme, 'https');
  assert.deepEqual(sm.spec.endpoints[0].tlsConfig, { insecureSkipVerify: false, serverName: 'sweep' });
  assert.deepEqual((sm.spec.endpoints[0] as { basicAuth?: unknown }).basicAuth, SCRAPE_BASIC_AUTH);
  // without basic auth values the endpoint has none
  const noAuth = helmTemplate({ release: 'web', values: { 'metrics.webConfigSecret': 'metrics-tls', 'metrics.serviceMonitor.enabled': true } });
  assert.equal((find<KubernetesObject & { spec: { endpoints: Array<{ basicAuth?: unknown }> } }>(noAuth, 'ServiceMonitor', 'web-sweep')!.spec.endpoints[0]).basicAuth, undefined);
});

test('every object of the chart and of k8s/ is accepted by the API server (server-side dry run)', async () => {
  await operatorCrds();
  const base = kustomizeBuild();
  assert.deepEqual(kinds(base), ['ConfigMap/sweep-orchestrator', 'Deployment/sweep-orchestrator', 'Namespace/sweeps', 'Role/sweep-orchestrator',
    'RoleBinding/sweep-orchestrator', 'Service/sweep-orchestrator', 'ServiceAccount/sweep-orchestrator']);
  // the namespace must exist for namespaced dry runs
  assert.deepEqual(await apply(base.filter((o) => o.kind === 'Namespace'), 'sweeps', false), []);
  assert.deepEqual(await apply(base, 'sweeps', true), []);
  const chart = helmTemplate({
    values: {
      ...NATS_VALUES, 'metrics.webConfigSecret': 'metrics-tls',
      'metrics.serviceMonitor.enabled': true, 'metrics.serviceMonitor.basicAuth': SCRAPE_BASIC_AUTH, 'alerts.enabled': true,
      schedules: [{ name: 'nightly', cron: '0 2 * * *', spec: { name: 'canary' } }],
    },
  });
  let refused: string[] = [];
  // the Prometheus Operator kinds are served once their CRDs are established
  await waitFor('the CRDs to be served', async () => {
    refused = await apply(chart, 'sweeps', true);
    return refused.every((r) => !/^(ServiceMonitor|PrometheusRule)\//.test(r));
  }, 30_000, { intervalMs: 500 }).catch(() => undefined);
  assert.deepEqual(refused, []);
  // the Temporal TLS and API key values (Secret volumes, read-only mounts, _FILE variables) give valid pods too
  const withTls = helmTemplate({
    values: {
      'temporal.tls.caSecret.name': 'temporal-ca', 'temporal.tls.clientSecret.name': 'sweep-temporal-client',
      'temporal.apiKeySecret.name': 'temporal-api-key', 'temporal.tls.serverName': 'temporal.internal',
      schedules: [{ name: 'nightly', cron: '0 2 * * *', spec: { name: 'canary' } }],
    },
  });
  assert.deepEqual(await apply(withTls.filter((o) => o.kind === 'Deployment' || o.kind === 'Job'), 'sweeps', true), []);
  // dry run stored nothing
  const apps = cluster.kc.makeApiClient(AppsV1Api);
  assert.deepEqual((await apps.listNamespacedDeployment({ namespace: 'sweeps' })).items, []);
});

test('RBAC: the orchestrator ServiceAccount runs trial Jobs in its namespace and may do nothing else', async () => {
  const base = kustomizeBuild();
  assert.deepEqual(await apply(base.filter((o) => o.kind !== 'Deployment'), 'sweeps', false), []);
  await cluster.createNamespace('sweeps');
  const core = cluster.kc.makeApiClient(CoreV1Api);
  const token = (await core.createNamespacedServiceAccountToken({ name: 'sweep-orchestrator', namespace: 'sweeps', body: { spec: { audiences: [], expirationSeconds: 3600 } } })).status!.token;
  const kc = cluster.cp.kubeConfig(token);
  const saBatch = kc.makeApiClient(BatchV1Api);
  const saCore = kc.makeApiClient(CoreV1Api);
  const saApps = kc.makeApiClient(AppsV1Api);

  // allowed: the executor's whole cycle (watch, create, logs, delete) with this identity, and the
  // trial pod passes the namespace's restricted Pod Security admission
  const config = trialConfigSchema.parse({ task: { kind: 'teacher-mlp' }, optimizer: { kind: 'sgd', lr: 0.1 } });
  const launch = {
    sweepId: 'rbac', trialId: trialId(config), attempt: 1, config, nats: { servers: ['nats://127.0.0.1:4222'] },
    kubernetes: kubernetesExecutionSchema.parse({ cpu: '100m', memory: '256Mi', command: ['node', '-e', "console.log('as the orchestrator'); process.exit(3)"] }),
  };
  const ex = new KubernetesExecutor({ kubeConfig: kc, defaults: { namespace: 'sweeps' }, tickMs: 200 });
  try {
    // with a per-trial NATS credential: the Secret is created under this identity
    const credential = await new TrialCredentialIssuer({ signingSeed: new TextDecoder().decode(createAccount().getSeed()) }).issue(launch.sweepId, launch.trialId, 1);
    const out = await ex.run(launch, { heartbeat: () => undefined, signal: new AbortController().signal, credential });
    assert.equal(out.failure?.kind, 'crashed');
    assert.deepEqual(out.failure?.logTail, ['as the orchestrator']);
    const secretName = natsSecretName(buildTrialJob(launch, launch.kubernetes).name);
    assert.ok((await core.readNamespacedSecret({ name: secretName, namespace: 'sweeps' })).metadata?.ownerReferences?.length, 'the Secret exists, owned by its Job');
    const pods = await saCore.listNamespacedPod({ namespace: 'sweeps' });
    assert.equal(await saCore.readNamespacedPodLog({ name: pods.items[0].metadata!.name!, namespace: 'sweeps' }), 'as the orchestrator\n');
    await ex.deleteJob(buildTrialJob(launch, launch.kubernetes).name, 'sweeps', 'Background');
  } finally {
    await ex.close();
  }

  const forbidden = async (what: string, call: () => Promise<unknown>) => {
    await assert.rejects(call, (err: unknown) => (err as { code?: number }).code === 403, `${what} must be forbidden`);
  };
  const job = { metadata: { name: 'elsewhere' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } } } };
  await forbidden('a Job in another namespace', () => saBatch.createNamespacedJob({ namespace: 'default', body: job }));
  await forbidden('reading secrets', () => saCore.listNamespacedSecret({ namespace: 'sweeps' }));
  await forbidden('reading a trial\'s Secret', () => saCore.readNamespacedSecret({ name: natsSecretName(buildTrialJob(launch, launch.kubernetes).name), namespace: 'sweeps' }));
  await forbidden('deleting secrets', () => saCore.deleteCollectionNamespacedSecret({ namespace: 'sweeps' }));
  await forbidden('a Secret in another namespace', () => saCore.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'x' }, stringData: { a: 'b' } } }));
  await forbidden('listing nodes', () => saCore.listNode());
  await forbidden('deleting pods directly', () => saCore.deleteCollectionNamespacedPod({ namespace: 'sweeps' }));
  await forbidden('creating Deployments', () => saApps.createNamespacedDeployment({ namespace: 'sweeps', body: { metadata: { name: 'x' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } } } }));
  // an executor pointed at a namespace its Role does not cover fails the attempt at once, clearly
  const elsewhere = new KubernetesExecutor({ kubeConfig: kc, defaults: { namespace: 'default' } });
  try {
    const out = await elsewhere.run(launch, { heartbeat: () => undefined, signal: new AbortController().signal });
    assert.equal(out.failure?.retryable, false);
    assert.match(out.failure!.message, /^cannot list and watch trial Jobs and pods in namespace default: 403 Forbidden: jobs\.batch is forbidden/);
  } finally {
    await elsewhere.close();
  }
  await forbidden('creating ServiceAccounts', () => kc.makeApiClient(CoreV1Api).createNamespacedServiceAccount({ namespace: 'sweeps', body: { metadata: { name: 'other' } } }));
});
