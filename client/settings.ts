// Connection settings of the cluster mode, from explicit options first, then the environment,
// then loopback defaults.
import { DEFAULT_TASK_QUEUE } from '../workflows/types.js';
import type { NatsAuth } from '../core/nats-auth.js';
import { resolveNatsAuth } from './nats-settings.js';
import { resolveTemporalCredentials, type TemporalAuthInput, type TemporalCredentials } from './temporal-auth.js';

export interface ClusterSettings {
  /** Temporal frontend, host:port */
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  /** TLS and API key of the Temporal connection (prints without secrets) */
  temporalCredentials: TemporalCredentials;
  /** NATS servers the CLI, worker and aggregator connect to */
  natsServers: string[];
  /** NATS credentials and TLS (client/nats-settings.ts) */
  natsAuth?: NatsAuth;
  /** first-connect timeout for Temporal and NATS */
  connectTimeoutMs: number;
}

export interface SettingsInput {
  temporal?: string;
  namespace?: string;
  taskQueue?: string;
  /** Temporal TLS files and API key file (flags); the SWEEP_TEMPORAL_TLS_* environment otherwise */
  temporalAuth?: TemporalAuthInput;
  nats?: string | string[];
  /** NATS credentials and TLS; default: the SWEEP_NATS_* environment */
  natsAuth?: NatsAuth;
  connectTimeoutMs?: number;
}

export const ENV = {
  temporal: 'SWEEP_TEMPORAL_ADDRESS',
  namespace: 'SWEEP_TEMPORAL_NAMESPACE',
  taskQueue: 'SWEEP_TASK_QUEUE',
  nats: 'SWEEP_NATS_URL',
  connectTimeout: 'SWEEP_CONNECT_TIMEOUT_MS',
} as const;

export function resolveSettings(input: SettingsInput = {}, env: NodeJS.ProcessEnv = process.env): ClusterSettings {
  const nats = input.nats ?? env[ENV.nats] ?? 'nats://127.0.0.1:4222';
  const timeout = input.connectTimeoutMs ?? (env[ENV.connectTimeout] ? Number(env[ENV.connectTimeout]) : 5000);
  return {
    temporalAddress: input.temporal ?? env[ENV.temporal] ?? '127.0.0.1:7233',
    namespace: input.namespace ?? env[ENV.namespace] ?? 'default',
    taskQueue: input.taskQueue ?? env[ENV.taskQueue] ?? DEFAULT_TASK_QUEUE,
    temporalCredentials: resolveTemporalCredentials(input.temporalAuth, env),
    natsServers: Array.isArray(nats) ? nats : nats.split(/[\s,]+/).filter(Boolean),
    connectTimeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : 5000,
    ...withAuth(input.natsAuth ?? resolveNatsAuth({}, env)),
  };
}

const withAuth = (natsAuth: NatsAuth | undefined) => (natsAuth ? { natsAuth } : {});
