// The chart's Temporal TLS and API key values (helm template, real helm): Secrets are mounted
// read-only into the orchestrator and the schedules Job only, every SWEEP_TEMPORAL_*_FILE
// variable names a file of a mounted Secret item, and those variables, pointed at the same
// files on disk, give the connection settings the values asked for.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { KubernetesObject, V1Container, V1Deployment, V1Job, V1PodSpec } from '@kubernetes/client-node';
import { resolveTemporalCredentials } from '../../client/temporal-auth.js';
import { helmTemplate } from '../servers/kube/manifests.js';
import { makeTestPki } from '../servers/tls-certs.js';

const pki = makeTestPki();
const root = mkdtempSync(join(tmpdir(), 'sweep-chart-mounts-'));
after(() => { pki.remove(); rmSync(root, { recursive: true, force: true }); });

const schedules = [{ name: 'nightly', cron: '0 2 * * *', spec: { name: 'canary', task: { kind: 'teacher-mlp' } } }];
const pods = (objs: KubernetesObject[]) => {
  const out = new Map<string, V1PodSpec>();
  for (const o of objs) {
    if (o.kind === 'Deployment') out.set(`Deployment/${o.metadata!.name}`, (o as V1Deployment).spec!.template.spec!);
    if (o.kind === 'Job') out.set(`Job/${o.metadata!.name}`, (o as V1Job).spec!.template.spec!);
  }
  return out;
};
const temporalEnv = (c: V1Container) => Object.fromEntries((c.env ?? []).filter((e) => e.name.startsWith('SWEEP_TEMPORAL_')).map((e) => [e.name, e.value]));

test('default values: no Temporal credentials mounted or set', () => {
  for (const [name, pod] of pods(helmTemplate({ release: 'sweep', values: { schedules } }))) {
    assert.deepEqual(temporalEnv(pod.containers[0]), {}, name);
    assert.ok(!(pod.volumes ?? []).some((v) => v.secret), `${name} mounts no Secret`);
  }
});

test('Secrets in values: mounted read-only where Temporal is dialled, named by the _FILE variables, and read back as the right settings', () => {
  const objs = helmTemplate({
    release: 'lab',
    values: {
      'temporal.tls.caSecret': { name: 'temporal-ca', key: 'root.pem' },
      'temporal.tls.clientSecret.name': 'sweep-client-tls',
      'temporal.apiKeySecret.name': 'temporal-cloud-key',
      'temporal.tls.serverName': pki.serverName,
      schedules,
    },
  });
  const all = pods(objs);
  assert.deepEqual([...all.keys()].sort(), ['Deployment/lab-sweep-aggregator', 'Deployment/lab-sweep-orchestrator', 'Job/lab-sweep-schedules']);
  const agg = all.get('Deployment/lab-sweep-aggregator')!;
  assert.deepEqual(temporalEnv(agg.containers[0]), {}, 'the aggregator does not talk to Temporal');
  assert.ok(!(agg.volumes ?? []).some((v) => v.secret));

  // What each Secret key holds, as a file on disk standing in for the mounted Secret.
  const secretFiles: Record<string, Record<string, string>> = {
    'temporal-ca': { 'root.pem': pki.ca },
    'sweep-client-tls': { 'tls.crt': pki.client.cert, 'tls.key': pki.client.key },
    'temporal-cloud-key': { 'api-key': join(root, 'key-source') },
  };
  writeFileSync(join(root, 'key-source'), 'tk-chart-test\n');
  for (const name of ['Deployment/lab-sweep-orchestrator', 'Job/lab-sweep-schedules']) {
    const pod = all.get(name)!;
    const c = pod.containers[0];
    const env = temporalEnv(c);
    assert.deepEqual(Object.keys(env).sort(), ['SWEEP_TEMPORAL_API_KEY_FILE', 'SWEEP_TEMPORAL_TLS_CA_FILE', 'SWEEP_TEMPORAL_TLS_CERT_FILE', 'SWEEP_TEMPORAL_TLS_KEY_FILE', 'SWEEP_TEMPORAL_TLS_SERVER_NAME'], name);
    const onDisk: NodeJS.ProcessEnv = { SWEEP_TEMPORAL_TLS_SERVER_NAME: env.SWEEP_TEMPORAL_TLS_SERVER_NAME };
    for (const [variable, path] of Object.entries(env)) {
      if (!variable.endsWith('_FILE')) continue;
      // the file lies in a read-only mount of a Secret volume, as one of its items
      const mount = (c.volumeMounts ?? []).find((m) => path!.startsWith(`${m.mountPath}/`));
      assert.ok(mount, `${name} ${variable}: ${path} is under a mount`);
      assert.equal(mount.readOnly, true, `${name} ${variable}: read-only`);
      const volume = (pod.volumes ?? []).find((v) => v.name === mount.name)!;
      assert.ok(volume.secret, `${name} ${variable}: the mount is a Secret`);
      const item = volume.secret.items?.find((i) => i.path === relative(mount.mountPath, path!));
      assert.ok(item, `${name} ${variable}: an item of Secret ${volume.secret.secretName}`);
      const source = secretFiles[volume.secret.secretName!]?.[item.key];
      assert.ok(source, `${name} ${variable}: Secret ${volume.secret.secretName} key ${item.key} is one asked for in values`);
      const local = join(root, name.replace('/', '_'), mount.mountPath, item.path);
      mkdirSync(join(local, '..'), { recursive: true });
      copyFileSync(source, local);
      onDisk[variable] = local;
    }
    const o = resolveTemporalCredentials({}, onDisk).connectionOptions();
    assert.deepEqual(Buffer.from(o.tls!.serverRootCACertificate!), readFileSync(pki.ca), `${name}: CA`);
    assert.deepEqual(Buffer.from(o.tls!.clientCertPair!.crt), readFileSync(pki.client.cert), `${name}: client certificate`);
    assert.deepEqual(Buffer.from(o.tls!.clientCertPair!.key), readFileSync(pki.client.key), `${name}: client key`);
    assert.equal(o.tls!.serverNameOverride, pki.serverName);
    assert.equal(o.apiKey, 'tk-chart-test');
    // no secret value in the rendered pod: only file names
    assert.doesNotMatch(JSON.stringify(pod), /tk-chart-test|BEGIN/);
  }
});

test('tls.enabled alone: TLS with the system CAs, nothing mounted', () => {
  const orch = pods(helmTemplate({ release: 'sweep', values: { 'temporal.tls.enabled': true } })).get('Deployment/sweep-orchestrator')!;
  assert.deepEqual(temporalEnv(orch.containers[0]), { SWEEP_TEMPORAL_TLS: '1' });
  assert.deepEqual(resolveTemporalCredentials({}, temporalEnv(orch.containers[0])).connectionOptions(), { tls: {} });
  assert.ok(!(orch.volumes ?? []).some((v) => v.secret));
});
