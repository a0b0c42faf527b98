// Builds the Kubernetes executor of an orchestrator worker from its environment: cluster
// credentials (in-cluster ServiceAccount, KUBECONFIG or ~/.kube/config — without any, the
// worker simply does not offer the executor), the namespace its Role covers, installation-wide
// trainer Job defaults (as the Helm chart sets them), the API rate limit, and the garbage
// collector of Jobs left by finished sweeps (asking the worker's Temporal frontend whether a
// sweep still runs).
//
//   SWEEP_KUBE_NAMESPACE       namespace of trial Jobs (default: the pod's own namespace)
//   SWEEP_TRAINER_IMAGE        trainer image for specs that keep the default image
//   SWEEP_TRAINER_DEFAULTS     JSON object of execution.kubernetes fields used as defaults
//   SWEEP_KUBE_QPS, SWEEP_KUBE_BURST   client-side API rate limit (default 50 / 100)
//   SWEEP_KUBE_GC_INTERVAL_S   garbage-collector period, 0 = off; when unset, every 300 s but
//                              only in namespaces where this worker has run trials
//   SWEEP_TRAINER_DATA         JSON array of dataset volumes for trial pods (data-mounts.ts)
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { formatIssues } from '../../core/config/errors.js';
import { EnvError } from '../../core/env.js';
import { kubernetesExecutionSchema, type KubernetesExecution } from '../../core/config/execution.js';
import type { ExecutorSettings } from '../executor-settings.js';
import { callHook } from '../telemetry.js';
import { KubernetesExecutor, type KubernetesExecutorOptions } from './executor.js';
import { JobGarbageCollector, temporalSweepLiveness } from './gc.js';
import { dataMountsFromEnv } from './data-mounts.js';
import { errorMessage, firstLine } from '../../core/error-message.js';

export const KUBE_ENV = {
  namespace: 'SWEEP_KUBE_NAMESPACE',
  image: 'SWEEP_TRAINER_IMAGE',
  defaults: 'SWEEP_TRAINER_DEFAULTS',
  qps: 'SWEEP_KUBE_QPS',
  burst: 'SWEEP_KUBE_BURST',
  gcInterval: 'SWEEP_KUBE_GC_INTERVAL_S',
} as const;

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Cluster credentials from the environment, or undefined when there are none. */
export function loadKubeConfig(env: NodeJS.ProcessEnv = process.env, saDir = SA_DIR): KubeConfig | undefined {
  const kc = new KubeConfig();
  if (env.KUBERNETES_SERVICE_HOST && existsSync(join(saDir, 'token'))) {
    kc.loadFromCluster();
    return kc;
  }
  const files = (env.KUBECONFIG ?? '').split(delimiter).filter((f) => f && existsSync(f));
  const home = join(env.HOME ?? homedir(), '.kube', 'config');
  if (!files.length && existsSync(home)) files.push(home);
  if (!files.length) return undefined;
  kc.loadFromFile(files[0]);
  return kc;
}

function num(env: NodeJS.ProcessEnv, key: string, min: number): number | undefined {
  const raw = env[key];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new EnvError([`${key}: must be a number >= ${min}, got "${raw}"`]);
  return n;
}

/** Executor options from the environment; a bad value is an EnvError (a ConfigError) naming the variable. */
export function executorOptionsFromEnv(env: NodeJS.ProcessEnv = process.env, saDir = SA_DIR): Omit<KubernetesExecutorOptions, 'kubeConfig'> & { gcIntervalS: number; gcAlways: boolean } {
  let defaults: Partial<KubernetesExecution> = {};
  if (env[KUBE_ENV.defaults]) {
    let raw: unknown;
    try {
      raw = JSON.parse(env[KUBE_ENV.defaults]!);
    } catch (err) {
      throw new EnvError([`${KUBE_ENV.defaults}: not JSON: ${errorMessage(err)}`]);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new EnvError([`${KUBE_ENV.defaults}: must be a JSON object`]);
    const parsed = kubernetesExecutionSchema.safeParse(raw);
    if (!parsed.success) throw new EnvError(formatIssues(parsed.error.issues, [KUBE_ENV.defaults]));
    // only the keys actually given: the others keep the spec's own values
    const given = new Set(Object.keys(raw));
    defaults = Object.fromEntries(Object.entries(parsed.data).filter(([key]) => given.has(key))) as Partial<KubernetesExecution>;
  }
  if (env[KUBE_ENV.image]) defaults.image = env[KUBE_ENV.image];
  const nsFile = join(saDir, 'namespace');
  const namespace = env[KUBE_ENV.namespace] || (existsSync(nsFile) ? readFileSync(nsFile, 'utf8').trim() : undefined);
  if (namespace) {
    const ok = kubernetesExecutionSchema.shape.namespace.safeParse(namespace);
    if (!ok.success) throw new EnvError([`${KUBE_ENV.namespace}: "${namespace}" is not a DNS-1123 label`]);
    defaults.namespace = namespace;
  }
  return {
    defaults,
    qps: num(env, KUBE_ENV.qps, 0.1),
    burst: num(env, KUBE_ENV.burst, 1),
    gcIntervalS: num(env, KUBE_ENV.gcInterval, 0) ?? 300,
    gcAlways: env[KUBE_ENV.gcInterval] !== undefined && env[KUBE_ENV.gcInterval] !== '',
    dataMounts: dataMountsFromEnv(env),
  };
}

/** The `kubernetes` entry of the worker's executor registry. */
export async function kubernetesExecutorFactory(s: ExecutorSettings): Promise<KubernetesExecutor | undefined> {
  const env = s.env ?? process.env;
  const kubeConfig = loadKubeConfig(env);
  if (!kubeConfig) return undefined;
  const { gcIntervalS, gcAlways, ...opts } = executorOptionsFromEnv(env);
  const executor = new KubernetesExecutor({ kubeConfig, ...opts, onError: () => callHook(s.hooks, 'apiError', 'kubernetes') });
  if (gcIntervalS > 0 && s.temporal) {
    const connection = Connection.lazy({ address: s.temporal.address, ...(s.temporal.tls ? { tls: s.temporal.tls } : {}), ...(s.temporal.apiKey !== undefined ? { apiKey: s.temporal.apiKey } : {}) });
    const client = new Client({ connection, namespace: s.temporal.namespace });
    const namespace = executor.defaultNamespace;
    const gc = new JobGarbageCollector(executor, { namespace, liveness: temporalSweepLiveness(client), intervalMs: gcIntervalS * 1000, onlyIfWatching: !gcAlways });
    gc.start(undefined, (err) => console.error(`sweep: Job garbage collection failed: ${firstLine(err)}`));
    executor.closeWith(async () => {
      await gc.stop();
      await connection.close();
    });
  }
  return executor;
}
