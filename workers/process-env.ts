// The SWEEP_* environment of each process, one schema per entry point. Each is checked at
// start-up (parseEnv), so a bad value stops the process with one line naming the variable and
// exit code 2 (reportEnvError), before anything connects. The Kubernetes executor's variables
// (SWEEP_KUBE_*, SWEEP_TRAINER_*) are checked where they are read, with the same error.
import { z } from 'zod';
import { EnvError, flagSetting, intSetting, serverList } from '../core/env.js';
import { temporalAuthEnv } from '../client/temporal-auth.js';

const metrics = {
  /** serve Prometheus /metrics on this port (flag --metrics-port first) */
  SWEEP_METRICS_PORT: intSetting(0, 65535, 'a port number 0-65535').optional(),
  SWEEP_METRICS_HOST: z.string().optional(),
};

const cluster = {
  SWEEP_TEMPORAL_ADDRESS: z.string().optional(),
  SWEEP_TEMPORAL_NAMESPACE: z.string().optional(),
  SWEEP_TASK_QUEUE: z.string().optional(),
  SWEEP_NATS_URL: serverList.optional(),
  SWEEP_CONNECT_TIMEOUT_MS: intSetting(1, Number.MAX_SAFE_INTEGER, 'a positive number of milliseconds').optional(),
  /** Temporal TLS (CA, client certificate and key, server name) and API key, each value or _FILE */
  ...temporalAuthEnv,
};

export const orchestratorEnvSchema = z.object({
  ...cluster,
  ...metrics,
  SWEEP_TRAINER_NATS_URL: serverList.optional(),
  SWEEP_LOG_LEVEL: z.string().transform((v) => v.toUpperCase()).pipe(z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'])).optional(),
  /** name what is still open a moment after shutdown (tests) */
  SWEEP_REPORT_HANDLES: flagSetting.optional(),
});

export const aggregatorEnvSchema = z.object({
  SWEEP_NATS_URL: serverList.optional(),
  ...metrics,
});

export const trainerEnvSchema = z.object({
  /** overrides the launch's nats.servers (a trial pod reaches NATS by the cluster's own address) */
  SWEEP_NATS_URL: serverList.optional(),
  /** overrides the launch's attempt (a pod learns it from its Job) */
  SWEEP_ATTEMPT: intSetting(1, Number.MAX_SAFE_INTEGER, 'a positive integer').optional(),
  SWEEP_WASM_GEMM: z.enum(['xnnpack']).optional(),
});

/** Writes the one line of a bad setting and returns exit code 2; undefined for other errors. */
export function reportEnvError(processName: string, err: unknown): number | undefined {
  if (!(err instanceof EnvError)) return undefined;
  process.stderr.write(`${processName}: ${err.line}\n`);
  return 2;
}

