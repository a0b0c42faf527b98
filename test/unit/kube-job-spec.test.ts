// The Job built for a trial attempt: every spec field lands where Kubernetes expects it, the
// launch reaches the pod by annotation or (when large) by a ConfigMap, and the pod is locked down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kubernetesExecutionSchema } from '../../core/config/execution.js';
import { trialConfigSchema } from '../../core/config/trial.js';
import { trialId } from '../../core/ids.js';
import type { TrialLaunch } from '../../activities/executor.js';
import { LAUNCH_FILE, MAX_ANNOTATION_LAUNCH, buildTrialJob } from '../../activities/kubernetes/job-spec.js';
import { ANNOTATIONS, LABELS } from '../../activities/kubernetes/names.js';
import { dataMountsFromEnv } from '../../activities/kubernetes/data-mounts.js';
import { ConfigError } from '../../core/config/errors.js';

function launch(k: object = {}, config: object = { task: { kind: 'teacher-mlp' }, optimizer: { kind: 'sgd', lr: 0.1 } }): TrialLaunch {
  const c = trialConfigSchema.parse(config);
  return {
    sweepId: 'nightly-2025-01-01T02:00:00Z', trialId: trialId(c), attempt: 2, config: c,
    nats: { servers: ['nats://nats-a:4222', 'nats://nats-b:4222'] }, kubernetes: kubernetesExecutionSchema.parse(k),
  };
}

test('the Job carries the spec: image, GPUs, resources, placement, deadlines, labels', () => {
  const l = launch({
    namespace: 'ml', image: 'registry.example/trainer:1.2', gpus: 2, cpu: '4', memory: '16Gi',
    nodeSelector: { 'node.kubernetes.io/instance-type': 'a100' }, tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
    priorityClassName: 'research', serviceAccountName: 'trainer', queue: 'team-a', activeDeadlineSeconds: 3600, ttlSecondsAfterFinished: 60,
    extraLabels: { team: 'a' },
  });
  const { name, job, configMap } = buildTrialJob(l, l.kubernetes!);
  assert.equal(configMap, undefined);
  assert.equal(job.metadata?.name, name);
  assert.equal(job.metadata?.namespace, 'ml');
  assert.equal(job.spec?.backoffLimit, 0);
  assert.equal(job.spec?.activeDeadlineSeconds, 3600);
  assert.equal(job.spec?.ttlSecondsAfterFinished, 60);
  const labels = job.metadata!.labels!;
  assert.equal(labels[LABELS.trial], l.trialId);
  assert.equal(labels[LABELS.attempt], '2');
  assert.equal(labels[LABELS.kueueQueue], 'team-a');
  assert.equal(labels.team, 'a');
  assert.equal(job.metadata?.annotations?.[ANNOTATIONS.sweepId], l.sweepId);
  const pod = job.spec!.template.spec!;
  assert.deepEqual(job.spec!.template.metadata!.labels, labels);
  assert.equal(pod.restartPolicy, 'Never');
  assert.deepEqual(pod.nodeSelector, { 'node.kubernetes.io/instance-type': 'a100' });
  assert.deepEqual(pod.tolerations, [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
  assert.equal(pod.priorityClassName, 'research');
  assert.equal(pod.serviceAccountName, 'trainer');
  assert.equal(pod.automountServiceAccountToken, false);
  const c = pod.containers[0];
  assert.equal(c.image, 'registry.example/trainer:1.2');
  assert.equal(c.command, undefined, 'no command: the image entrypoint (the trainer) runs');
  assert.deepEqual(c.args, [LAUNCH_FILE]);
  assert.deepEqual(c.resources, { requests: { cpu: '4', memory: '16Gi' }, limits: { memory: '16Gi', 'nvidia.com/gpu': '2' } });
  assert.equal(c.terminationMessagePolicy, 'FallbackToLogsOnError');
  assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
  const env = Object.fromEntries(c.env!.filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
  assert.equal(env.SWEEP_NATS_URL, 'nats://nats-a:4222,nats://nats-b:4222');
  assert.equal(env.SWEEP_ATTEMPT, '2');
  assert.ok(c.volumeMounts!.some((m) => m.mountPath === '/tmp'), 'a writable /tmp on a read-only root');
});

test('a small launch rides in an annotation projected as the launch file', () => {
  const l = launch({ gpus: 0 });
  const { job } = buildTrialJob(l, l.kubernetes!);
  const tmpl = job.spec!.template;
  const json = JSON.parse(tmpl.metadata!.annotations![ANNOTATIONS.launch]);
  assert.deepEqual(json, { sweepId: l.sweepId, trialId: l.trialId, attempt: 2, config: l.config, nats: l.nats });
  const vol = tmpl.spec!.volumes!.find((v) => v.name === 'launch')!;
  assert.equal(vol.downwardAPI?.items?.[0]?.fieldRef?.fieldPath, `metadata.annotations['${ANNOTATIONS.launch}']`);
  assert.equal(tmpl.spec!.containers[0].resources?.limits?.['nvidia.com/gpu'], undefined, 'no GPU asked for, none requested');
});

test('a large launch goes to a ConfigMap; one too large for a ConfigMap is refused clearly', () => {
  const big = (n: number) => launch({}, { task: { kind: 'file', format: 'csv', train: { x: `/d/${'x'.repeat(n)}` } }, optimizer: { kind: 'sgd', lr: 0.1 } });
  const l = big(MAX_ANNOTATION_LAUNCH);
  const { job, configMap } = buildTrialJob(l, l.kubernetes!);
  assert.ok(configMap);
  assert.equal(job.spec!.template.metadata!.annotations![ANNOTATIONS.launch], undefined);
  assert.equal(job.spec!.template.spec!.volumes!.find((v) => v.name === 'launch')!.configMap?.name, configMap.metadata!.name);
  assert.equal(JSON.parse(configMap.data!['launch.json']).trialId, l.trialId);
  const huge = big(1100 * 1024);
  assert.throws(() => buildTrialJob(huge, huge.kubernetes!), /trial launch is \d+ bytes; at most \d+ fit in a ConfigMap/);
});

test('dataset volumes: mounted read-only, and their paths are the only folders the trial may read', () => {
  const l = launch();
  const mounts = dataMountsFromEnv({ SWEEP_TRAINER_DATA: JSON.stringify([
    { name: 'datasets', mountPath: '/data', volume: { persistentVolumeClaim: { claimName: 'datasets', readOnly: true } } },
    { name: 'mnist', mountPath: '/mnt/mnist', volume: { nfs: { server: 'nfs.example', path: '/export/mnist' } } },
  ]) });
  const pod = buildTrialJob(l, l.kubernetes!, mounts).job.spec!.template.spec!;
  const c = pod.containers[0];
  assert.deepEqual(pod.volumes!.filter((v) => v.name.startsWith('data-')), [
    { name: 'data-datasets', persistentVolumeClaim: { claimName: 'datasets', readOnly: true } },
    { name: 'data-mnist', nfs: { server: 'nfs.example', path: '/export/mnist' } },
  ]);
  assert.deepEqual(c.volumeMounts!.filter((m) => m.name.startsWith('data-')), [
    { name: 'data-datasets', mountPath: '/data', readOnly: true },
    { name: 'data-mnist', mountPath: '/mnt/mnist', readOnly: true },
  ]);
  assert.equal(c.env!.find((e) => e.name === 'SWEEP_DATA_ROOTS')?.value, '/data:/mnt/mnist');
  // without data volumes the trainer may read no data files at all (not even its image's)
  const bare = buildTrialJob(l, l.kubernetes!).job.spec!.template.spec!.containers[0];
  assert.equal(bare.env!.find((e) => e.name === 'SWEEP_DATA_ROOTS')?.value, '');

  const bad: [string, RegExp][] = [
    ['not json', /^SWEEP_TRAINER_DATA: not JSON/],
    [JSON.stringify([{ name: 'd', mountPath: 'data', volume: { emptyDir: {} } }]), /SWEEP_TRAINER_DATA\[0\]\.mountPath: must be an absolute path/],
    [JSON.stringify([{ name: 'd', mountPath: '/tmp/data', volume: { emptyDir: {} } }]), /SWEEP_TRAINER_DATA\[0\]\.mountPath: must not overlap \/etc\/sweep or \/tmp/],
    [JSON.stringify([{ name: 'd', mountPath: '/etc', volume: { emptyDir: {} } }]), /mountPath: must not overlap/],
    [JSON.stringify([{ name: 'd', mountPath: '/data', volume: {} }]), /SWEEP_TRAINER_DATA\[0\]\.volume: must name exactly one volume source/],
    [JSON.stringify([{ name: 'd', mountPath: '/a', volume: { emptyDir: {} } }, { name: 'd', mountPath: '/b', volume: { emptyDir: {} } }]), /volume name d appears twice/],
  ];
  for (const [value, re] of bad) {
    assert.throws(() => dataMountsFromEnv({ SWEEP_TRAINER_DATA: value }), (err: unknown) => err instanceof ConfigError && re.test(err.problems[0]), value);
  }
  assert.deepEqual(dataMountsFromEnv({}), []);
});

test('a command trial: the Job runs trainer.command in the user image with SWEEP_LAUNCH naming a protocol-v1 launch', () => {
  const config = { trainer: 'command' as const, params: { width: 64, lr: 0.1 } };
  const k = kubernetesExecutionSchema.parse({ image: 'registry.example/my-trainer:1' });
  const l = {
    sweepId: 'byo', trialId: trialId(config), attempt: 2, config, nats: { servers: ['nats://nats:4222'] }, kubernetes: k,
    trainer: { command: ['python3', '/app/train.py'], killAfterSeconds: 10 },
  };
  const { job } = buildTrialJob(l, k);
  const c = job.spec!.template.spec!.containers[0];
  assert.equal(c.image, 'registry.example/my-trainer:1');
  assert.deepEqual(c.command, ['python3', '/app/train.py']);
  assert.equal(c.args, undefined, 'no built-in trainer argument');
  const env = new Map(c.env!.map((e) => [e.name, e.value]));
  assert.equal(env.get('SWEEP_LAUNCH'), LAUNCH_FILE);
  assert.equal(env.get('SWEEP_PROTOCOL'), '1');
  const mounted = JSON.parse(job.spec!.template.metadata!.annotations![ANNOTATIONS.launch]);
  assert.deepEqual(mounted, {
    protocol: 1, sweepId: 'byo', trialId: l.trialId, attempt: 2, params: { width: 64, lr: 0.1 },
    report: { mode: 'nats', servers: ['nats://nats:4222'], metricsSubject: `sweep.metrics.byo.${l.trialId}`, eventsSubject: `sweep.events.byo.${l.trialId}` },
  });
});

test('a command trial: trainer.timeoutSeconds bounds the Job (activeDeadlineSeconds), killAfterSeconds is the grace period', () => {
  const config = { trainer: 'command' as const, params: { lr: 0.1 } };
  const k = kubernetesExecutionSchema.parse({ image: 'registry.example/my-trainer:1', activeDeadlineSeconds: 7200 });
  const base = { sweepId: 'byo', trialId: trialId(config), attempt: 1, config, nats: { servers: ['nats://nats:4222'] }, kubernetes: k };
  const timed = buildTrialJob({ ...base, trainer: { command: ['python3', '/app/train.py'], timeoutSeconds: 600, killAfterSeconds: 12 } }, k).job;
  assert.equal(timed.spec!.activeDeadlineSeconds, 600);
  assert.equal(timed.spec!.template.spec!.terminationGracePeriodSeconds, 12);
  const long = buildTrialJob({ ...base, trainer: { command: ['python3', '/app/train.py'], timeoutSeconds: 99_999, killAfterSeconds: 10 } }, k).job;
  assert.equal(long.spec!.activeDeadlineSeconds, 7200, 'the execution deadline still caps a longer timeout');
  const none = buildTrialJob({ ...base, trainer: { command: ['python3', '/app/train.py'], killAfterSeconds: 10 } }, k).job;
  assert.equal(none.spec!.activeDeadlineSeconds, 7200);
});
