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
  /** TLS of /metrics: a Prometheus web config file (flag --web-config first) */
  SWEEP_METRICS_WEB_CONFIG: z.string().optional(),
};

/** NATS credentials and TLS (client/nats-settings.ts); files are checked when connecting */
const natsAuth = {
  SWEEP_NATS_CREDS: z.string().optional(),
  SWEEP_NATS_USER: z.string().optional(),
  SWEEP_NATS_PASSWORD: z.string().optional(),
  SWEEP_NATS_PASSWORD_FILE: z.string().optional(),
  SWEEP_NATS_TOKEN: z.string().optional(),
  SWEEP_NATS_TOKEN_FILE: z.string().optional(),
  SWEEP_NATS_NKEY_SEED_FILE: z.string().optional(),
  SWEEP_NATS_TLS_CA: z.string().optional(),
  SWEEP_NATS_TLS_CERT: z.string().optional(),
  SWEEP_NATS_TLS_KEY: z.string().optional(),
};

const cluster = {
  ...natsAuth,
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
  /** account signing key seed file: each trial attempt gets its own short-lived user JWT */
  SWEEP_NATS_ACCOUNT_SIGNING_KEY_FILE: z.string().optional(),
  /** the account's public key (A…), when the signing key is not the account's own key */
  SWEEP_NATS_ACCOUNT: z.string().regex(/^A[A-Z2-7]{55}$/, 'must be an account public key (A followed by 55 characters)').optional(),
  /** lifetime of a trial's credential in seconds (default 86400) */
  SWEEP_TRIAL_CREDENTIAL_TTL_S: intSetting(10, 366 * 86400, 'a number of seconds 10-31622400').optional(),
  SWEEP_LOG_LEVEL: z.string().transform((v) => v.toUpperCase()).pipe(z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'])).optional(),
  /** name what is still open a moment after shutdown (tests) */
  SWEEP_REPORT_HANDLES: flagSetting.optional(),
});

export const aggregatorEnvSchema = z.object({
  SWEEP_NATS_URL: serverList.optional(),
  ...natsAuth,
  ...metrics,
});

export const trainerEnvSchema = z.object({
  /** overrides the launch's nats.servers (a trial pod reaches NATS by the cluster's own address) */
  SWEEP_NATS_URL: serverList.optional(),
  /** override the launch's credential and CA files (a pod's Secret mount, set by its Job) */
  SWEEP_NATS_CREDS: z.string().min(1).optional(),
  SWEEP_NATS_TLS_CA: z.string().min(1).optional(),
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

