// The batch/v1 Job of one trial attempt. backoffLimit 0: Temporal owns retries, so every
// attempt is its own Job. The container runs the trainer with the launch file as its one
// argument; the launch (trial config + NATS settings) reaches the pod without an extra API call
// when it is small — a pod annotation projected as a file by a downwardAPI volume — and through
// a ConfigMap owned by the Job when it is too large for an annotation. NATS servers and the
// attempt are also set in the environment (SWEEP_NATS_URL, SWEEP_ATTEMPT), which the trainer
// prefers over the file.
import type { V1ConfigMap, V1Job, V1Secret, V1Volume } from '@kubernetes/client-node';
import type { KubernetesExecution } from '../../core/config/execution.js';
import { isCommandTrial } from '../../core/config/command-trial.js';
import { launchEnv } from '../../core/protocol/launch.js';
import { commandLaunchFile } from '../command-launch.js';
import type { AnyTrialLaunch } from '../executor.js';
import { ANNOTATIONS, LABELS, MANAGED_BY, jobName, sweepLabel } from './names.js';
import { addDataMounts, type DataMount } from './data-mounts.js';

export const TRAINER_CONTAINER = 'trainer';
export const LAUNCH_DIR = '/etc/sweep';
export const LAUNCH_FILE = `${LAUNCH_DIR}/launch.json`;
/** Launch JSON up to this size rides in an annotation (the API allows 256 KiB for all of them). */
export const MAX_ANNOTATION_LAUNCH = 128 * 1024;
/** ConfigMaps hold at most 1 MiB. */
export const MAX_CONFIGMAP_LAUNCH = 1024 * 1024 - 4096;

/** Where a trial pod finds its NATS credential (a Secret owned by the Job, mounted read-only). */
export const NATS_SECRET_DIR = `${LAUNCH_DIR}/nats`;
export const NATS_CREDS_FILE = 'trial.creds';
export const NATS_CA_FILE = 'ca.crt';

export interface TrialJob {
  name: string;
  job: V1Job;
  /** set when the launch is too large for an annotation: create it owned by the Job */
  configMap?: V1ConfigMap;
  /** set when the attempt has its own NATS credential: create it owned by the Job */
  secret?: V1Secret;
}

/** The attempt's NATS credential for its pod: the .creds text and the CA the pod must trust. */
export interface PodNatsCredential {
  creds: string;
  inboxPrefix: string;
  /** PEM of the NATS servers' CA, when they use a private one */
  ca?: string;
}

/**
 * The launch as the pod sees it: without the Kubernetes section (the pod does not need it); its
 * NATS auth names only the files of the mounted Secret (no file of the worker's, no secret).
 */
function podLaunch(launch: AnyTrialLaunch, cred: PodNatsCredential | undefined): string {
  const { kubernetes: _k, ...rest } = launch;
  const { auth: _a, ...nats } = rest.nats;
  const auth = cred ? {
    creds: `${NATS_SECRET_DIR}/${NATS_CREDS_FILE}`, inboxPrefix: cred.inboxPrefix,
    ...(cred.ca !== undefined ? { tls: { ca: `${NATS_SECRET_DIR}/${NATS_CA_FILE}` } } : {}),
  } : undefined;
  const podNats = { ...nats, ...(auth ? { auth } : {}) };
  // a command trial's pod reads the protocol-v1 launch file (docs/trainer-protocol.md)
  if (isCommandTrial(launch.config)) return JSON.stringify(commandLaunchFile({ ...launch, nats: podNats }));
  return JSON.stringify({ ...rest, nats: podNats });
}

export function natsSecretName(job: string): string {
  return `${job.slice(0, 63 - '-nats'.length).replace(/-+$/, '')}-nats`;
}

export function launchConfigMapName(job: string): string {
  return `${job.slice(0, 63 - '-launch'.length).replace(/-+$/, '')}-launch`;
}

/** `data`: the installation's dataset volumes (read-only; the file task may read only these). */
export function buildTrialJob(launch: AnyTrialLaunch, k: KubernetesExecution, data: readonly DataMount[] = [], cred?: PodNatsCredential): TrialJob {
  const name = jobName(launch.sweepId, launch.trialId, launch.attempt);
  const labels: Record<string, string> = {
    ...k.extraLabels,
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.component]: 'trial',
    [LABELS.sweep]: sweepLabel(launch.sweepId),
    [LABELS.trial]: launch.trialId,
    [LABELS.attempt]: String(launch.attempt),
    [LABELS.job]: name,
  };
  if (k.queue) labels[LABELS.kueueQueue] = k.queue;
  const command = isCommandTrial(launch.config) ? launch.trainer?.command : undefined;
  if (isCommandTrial(launch.config) && !command) throw new Error(`command trial ${launch.trialId} reached the Job builder without its trainer.command`);
  // a command trainer's own timeout bounds the Job too (the kubelet stops it, the classifier
  // reports DeadlineExceeded, not retried, as a timed-out embedded attempt is not)
  const timeout = command ? launch.trainer?.timeoutSeconds : undefined;
  const deadline = timeout !== undefined ? Math.min(timeout, k.activeDeadlineSeconds) : k.activeDeadlineSeconds;
  const json = podLaunch(launch, cred);
  const size = Buffer.byteLength(json);
  if (size > MAX_CONFIGMAP_LAUNCH) {
    throw new Error(`trial launch is ${size} bytes; at most ${MAX_CONFIGMAP_LAUNCH} fit in a ConfigMap (is a task's data inlined in the config?)`);
  }
  const inAnnotation = size <= MAX_ANNOTATION_LAUNCH;
  const launchVolume: V1Volume = inAnnotation
    ? { name: 'launch', downwardAPI: { items: [{ path: 'launch.json', fieldRef: { fieldPath: `metadata.annotations['${ANNOTATIONS.launch}']` } }] } }
    : { name: 'launch', configMap: { name: launchConfigMapName(name) } };

  const requests: Record<string, string> = { cpu: String(k.cpu), memory: String(k.memory) };
  const limits: Record<string, string> = { memory: String(k.memory) };
  if (k.gpus > 0) limits['nvidia.com/gpu'] = String(k.gpus);

  const job: V1Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: k.namespace,
      labels,
      annotations: { [ANNOTATIONS.sweepId]: launch.sweepId },
    },
    spec: {
      backoffLimit: 0,
      completions: 1,
      parallelism: 1,
      activeDeadlineSeconds: deadline,
      ttlSecondsAfterFinished: k.ttlSecondsAfterFinished,
      template: {
        metadata: {
          labels,
          annotations: {
            [ANNOTATIONS.sweepId]: launch.sweepId,
            ...(inAnnotation ? { [ANNOTATIONS.launch]: json } : {}),
          },
        },
        spec: {
          restartPolicy: 'Never',
          nodeSelector: Object.keys(k.nodeSelector).length ? k.nodeSelector : undefined,
          tolerations: k.tolerations.length ? k.tolerations : undefined,
          priorityClassName: k.priorityClassName,
          serviceAccountName: k.serviceAccountName,
          // the trainer talks to NATS only: no Kubernetes credentials in its pod
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: command ? launch.trainer!.killAfterSeconds : 30,
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [{
            name: TRAINER_CONTAINER,
            image: k.image,
            imagePullPolicy: k.imagePullPolicy,
            // a command trial runs the user's trainer.command in the user's image, SWEEP_LAUNCH
            // naming the mounted launch; otherwise without a command the image's ENTRYPOINT
            // (the built-in trainer) runs
            ...(command ? { command } : { ...(k.command?.length ? { command: k.command } : {}), args: [LAUNCH_FILE] }),
            env: [
              ...(command ? Object.entries(launchEnv(LAUNCH_FILE)).map(([n, value]) => ({ name: n, value })) : []),
              { name: 'SWEEP_NATS_URL', value: launch.nats.servers.join(',') },
              { name: 'SWEEP_ATTEMPT', value: String(launch.attempt) },
              { name: 'SWEEP_SWEEP_ID', value: launch.sweepId },
              { name: 'SWEEP_TRIAL_ID', value: launch.trialId },
              { name: 'SWEEP_POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'SWEEP_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
            ],
            resources: { requests, limits },
            // the kubelet keeps the log tail as termination message: failure reports still
            // have it when the node (and its logs) are gone
            terminationMessagePolicy: 'FallbackToLogsOnError',
            securityContext: {
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              runAsNonRoot: true,
              capabilities: { drop: ['ALL'] },
            },
            volumeMounts: [
              { name: 'launch', mountPath: LAUNCH_DIR, readOnly: true },
              { name: 'tmp', mountPath: '/tmp' },
            ],
          }],
          volumes: [launchVolume, { name: 'tmp', emptyDir: { sizeLimit: '1Gi' } }],
        },
      },
    },
  };
  addDataMounts(job, data);
  const out: TrialJob = { name, job };
  if (cred) {
    const pod = job.spec!.template.spec!;
    pod.volumes!.push({ name: 'nats', secret: { secretName: natsSecretName(name), defaultMode: 0o444 } });
    pod.containers[0].volumeMounts!.push({ name: 'nats', mountPath: NATS_SECRET_DIR, readOnly: true });
    // as for the servers, the environment names the files too (the trainer prefers it)
    pod.containers[0].env!.push({ name: 'SWEEP_NATS_CREDS', value: `${NATS_SECRET_DIR}/${NATS_CREDS_FILE}` });
    if (cred.ca !== undefined) pod.containers[0].env!.push({ name: 'SWEEP_NATS_TLS_CA', value: `${NATS_SECRET_DIR}/${NATS_CA_FILE}` });
    out.secret = {
      apiVersion: 'v1', kind: 'Secret', type: 'Opaque',
      metadata: { name: natsSecretName(name), namespace: k.namespace, labels, annotations: { [ANNOTATIONS.sweepId]: launch.sweepId } },
      stringData: { [NATS_CREDS_FILE]: cred.creds, ...(cred.ca !== undefined ? { [NATS_CA_FILE]: cred.ca } : {}) },
    };
  }
  if (!inAnnotation) {
    out.configMap = {
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: { name: launchConfigMapName(name), namespace: k.namespace, labels, annotations: { [ANNOTATIONS.sweepId]: launch.sweepId } },
      data: { 'launch.json': json },
    };
  }
  return out;
}
