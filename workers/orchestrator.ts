#!/usr/bin/env node
// The orchestrator worker: a Temporal worker for the sweep and trial workflows and their
// activities, with the aggregator running alongside (unless --no-aggregator).
//
//   node dist/workers/orchestrator.js [--temporal HOST:PORT] [--namespace NS] [--task-queue Q]
//     [--nats URL] [--trainer-nats URL] [--max-trials N] [--local-mode process|in-process]
//     [--workflow-bundle FILE] [--no-aggregator] [--metrics-port N [--metrics-host H]]
//     [--nats-creds FILE | --nats-user U --nats-password-file FILE | --nats-token-file FILE |
//      --nats-nkey-seed-file FILE] [--nats-tls-ca FILE [--nats-tls-cert FILE --nats-tls-key FILE]]
//     [--nats-account-signing-key-file FILE [--nats-account A…]]
//     [--temporal-tls-ca FILE] [--temporal-tls-cert FILE --temporal-tls-key FILE]
//     [--temporal-tls-server-name NAME] [--temporal-tls] [--temporal-api-key-file FILE]
//
// Settings fall back to SWEEP_TEMPORAL_ADDRESS, SWEEP_TEMPORAL_NAMESPACE, SWEEP_TASK_QUEUE,
// SWEEP_NATS_URL, SWEEP_TRAINER_NATS_URL and SWEEP_TEMPORAL_TLS_* / SWEEP_TEMPORAL_API_KEY
// (each also as _FILE). SIGTERM/SIGINT shut it down: running trial
// attempts are cancelled (their trainers stopped) and retried by another worker.
import { availableParallelism, hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import type { NatsConnection } from '@nats-io/transport-node';
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode, type LogLevel, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import type { TrialExecutor } from '../activities/executor.js';
import { buildExecutors } from '../activities/executors.js';
import type { ExecutorSettings } from '../activities/executor-settings.js';
import { connectNats, parseServers } from '../store/connect.js';
import { ensureStreams, type StreamSettings } from '../store/streams.js';
import type { TelemetryHooks } from '../activities/telemetry.js';
import { TemporalUnreachableError, tlsReason } from '../client/connect.js';
import { TemporalCredentials } from '../client/temporal-auth.js';
import { resolveSettings, type SettingsInput } from '../client/settings.js';
import { Aggregator } from './aggregator.js';
import { openSummariesKv } from '../store/buckets.js';
import { previousRunFromSummaries, telemetryFromFlags } from './telemetry/index.js';
import { WEB_CONFIG_FLAG } from './telemetry/flags.js';
import { isEntryPoint } from './entry-point.js';
import { firstLine } from '../core/error-message.js';
import { parseEnv } from '../core/env.js';
import { ConfigError } from '../core/config/errors.js';
import { orchestratorEnvSchema, reportEnvError } from './process-env.js';
import { parseIntegerOption } from './integer-option.js';
import { NATS_AUTH_FLAGS, resolveNatsAuth, type NatsAuthFlags } from '../client/nats-settings.js';
import type { NatsAuth } from '../core/nats-auth.js';
import { NatsAuthRefusedError } from '../store/connect.js';
import { TrialCredentialIssuer } from '../activities/trial-credentials.js';
import { readFileSync } from 'node:fs';
import { ignoreIpServernameWarning } from './tls-warnings.js';
import type { WorkerTuning } from './worker-tuning.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.js', import.meta.url));

export interface OrchestratorOptions extends SettingsInput {
  /** NATS servers given to trainers (default: the worker's) */
  trainerNats?: string[];
  /**
   * NATS TLS and credential files given to trainers (default: the worker's own TLS, and its
   * credentials too unless per-trial credentials are issued)
   */
  trainerNatsAuth?: NatsAuth;
  /** issues every trial attempt its own short-lived, least-privilege NATS credential */
  trialCredentials?: TrialCredentialIssuer;
  /** trial attempts running at once on this worker (default: CPU count) */
  maxTrials?: number;
  localMode?: ExecutorSettings['localMode'];
  local?: ExecutorSettings['local'];
  /** executors to offer instead of the built-in set */
  executors?: Map<string, TrialExecutor>;
  /** a pre-built workflow bundle (skips bundling at start-up) */
  workflowBundlePath?: string;
  aggregator?: boolean;
  hooks?: TelemetryHooks;
  streams?: StreamSettings;
  /** how often heartbeats reach the server at most (cancellation latency), default 2 s */
  heartbeatThrottleMs?: number;
  shutdownGraceMs?: number;
  /** Temporal worker options over the SDK's defaults (workers/worker-tuning.ts), for benchmarks */
  tuning?: WorkerTuning;
}

export interface Orchestrator {
  worker: Worker;
  nc: NatsConnection;
  aggregator?: Aggregator;
  executors: Map<string, TrialExecutor>;
  /** resolves when the worker has stopped (after shutdown()) */
  run(): Promise<void>;
  shutdown(): Promise<void>;
}

export async function connectTemporalNative(address: string, timeoutMs: number, credentials: TemporalCredentials = TemporalCredentials.plaintext): Promise<NativeConnection> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      NativeConnection.connect({ address, ...credentials.connectionOptions() }),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs); }),
    ]);
  } catch (err) {
    throw new TemporalUnreachableError(address, err, credentials, await tlsReason(address, credentials, timeoutMs));
  } finally {
    clearTimeout(timer);
  }
}

export async function startOrchestrator(opts: OrchestratorOptions = {}): Promise<Orchestrator> {
  const s = resolveSettings(opts);
  const nc = await connectNats({ servers: s.natsServers, name: 'sweep-orchestrator', timeoutMs: s.connectTimeoutMs, auth: s.natsAuth });
  const trainerNatsAuth = opts.trainerNatsAuth ?? (opts.trialCredentials ? tlsOnly(s.natsAuth) : s.natsAuth);
  let connection: NativeConnection | undefined;
  let aggregator: Aggregator | undefined;
  let executors: Map<string, TrialExecutor> | undefined;
  try {
    await ensureStreams(nc, opts.streams);
    executors = opts.executors ?? await buildExecutors({
      nc, localMode: opts.localMode, local: opts.local, hooks: opts.hooks, temporal: { address: s.temporalAddress, namespace: s.namespace, ...s.temporalCredentials.connectionOptions() },
    });
    aggregator = opts.aggregator === false ? undefined : await Aggregator.start({ nc, hooks: opts.hooks });
    connection = await connectTemporalNative(s.temporalAddress, s.connectTimeoutMs, s.temporalCredentials);
    const throttle = opts.heartbeatThrottleMs ?? 2000;
    const maxTrials = opts.maxTrials ?? availableParallelism();
    const workerOptions: WorkerOptions = {
      connection,
      namespace: s.namespace,
      taskQueue: s.taskQueue,
      activities: createActivities({
        nc, trainerNatsServers: opts.trainerNats ?? s.natsServers, executors, hooks: opts.hooks,
        ...(trainerNatsAuth ? { trainerNatsAuth } : {}), ...(opts.trialCredentials ? { trialCredentials: opts.trialCredentials } : {}),
      }),
      maxConcurrentActivityTaskExecutions: maxTrials,
      // `sweep status` sums the max-trials of the workers on a queue to say how many trials can run
      identity: `${process.pid}@${hostname()} max-trials=${maxTrials}`,
      maxHeartbeatThrottleInterval: throttle,
      defaultHeartbeatThrottleInterval: throttle,
      shutdownGraceTime: opts.shutdownGraceMs ?? 10_000,
      ...opts.tuning,
      ...(opts.workflowBundlePath ? { workflowBundle: { codePath: opts.workflowBundlePath } } : { workflowsPath: WORKFLOWS_PATH }),
    };
    const worker = await Worker.create(workerOptions);
    const running = worker.run();
    const conn = connection;
    const agg = aggregator;
    const offered = executors;
    let stopped: Promise<void> | undefined;
    // Everything the worker started is stopped, so the process can end without process.exit.
    const shutdown = () => (stopped ??= (async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await closeExecutors(offered);
      await agg?.stop();
      await conn.close();
      await nc.drain().catch(() => undefined);
    })());
    return { worker, nc, aggregator, executors, run: () => running, shutdown };
  } catch (err) {
    if (executors) await closeExecutors(executors);
    await aggregator?.stop().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await nc.close().catch(() => undefined);
    throw err;
  }
}

/** The TLS part of NATS settings (trainers with their own credential still verify the server). */
function tlsOnly(auth: NatsAuth | undefined): NatsAuth | undefined {
  return auth?.tls ? { tls: auth.tls } : undefined;
}

/** The per-trial credential issuer from a signing key file, or undefined without one. */
export function trialCredentialsFromFile(file: string | undefined, account: string | undefined, ttlSeconds?: number): TrialCredentialIssuer | undefined {
  if (!file) return undefined;
  let seed: string;
  try {
    seed = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`--nats-account-signing-key-file: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? firstLine(err)}`], 'NATS settings');
  }
  try {
    return new TrialCredentialIssuer({ signingSeed: seed, ...(account ? { account } : {}), ...(ttlSeconds ? { ttlSeconds } : {}) });
  } catch (err) {
    // the message names the problem, never the seed
    throw new ConfigError([`--nats-account-signing-key-file: ${file}: ${firstLine(err)}`], 'NATS settings');
  }
}

/** Closes every executor; one that fails to close does not keep the others open. */
async function closeExecutors(executors: Map<string, TrialExecutor>): Promise<void> {
  await Promise.all([...executors.values()].map((ex) => ex.close().catch((err: unknown) => {
    process.stderr.write(`orchestrator: closing the ${ex.name} executor: ${firstLine(err)}\n`);
  })));
}

/**
 * Sets the Temporal runtime's log level (default WARN, or SWEEP_LOG_LEVEL) once per process,
 * before the first connection; later calls (the runtime already exists) change nothing.
 */
export function installRuntime(level: LogLevel = (process.env.SWEEP_LOG_LEVEL?.toUpperCase() as LogLevel | undefined) ?? 'WARN'): void {
  try {
    Runtime.install({ logger: new DefaultLogger(level) });
  } catch {
    // already installed
  }
}

/** Bundles the workflow code once to a file that workers can load with --workflow-bundle. */
export async function writeWorkflowBundle(path: string): Promise<void> {
  const { writeFile } = await import('node:fs/promises');
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger });
  await writeFile(path, code);
}

const quietLogger = {
  log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined,
  warn: (m: string) => process.stderr.write(`bundle: ${m}\n`), error: (m: string) => process.stderr.write(`bundle: ${m}\n`),
};

async function main(argv: string[]): Promise<number> {
  const program = new Command('orchestrator')
    .description('Temporal worker for sweeps (workflows + activities) and the metrics aggregator')
    .option('--temporal <address>', 'Temporal frontend host:port (env SWEEP_TEMPORAL_ADDRESS)')
    .option('--namespace <ns>', 'Temporal namespace (env SWEEP_TEMPORAL_NAMESPACE)')
    .option('--task-queue <queue>', 'task queue (env SWEEP_TASK_QUEUE)')
    .option('--nats <url>', 'NATS servers, comma-separated (env SWEEP_NATS_URL)')
    .option('--trainer-nats <url>', 'NATS servers as trainers reach them (env SWEEP_TRAINER_NATS_URL; default --nats)')
    .option('--max-trials <n>', 'trial attempts running at once on this worker', (v) => positiveInt(v, '--max-trials'))
    .addOption(new Option('--local-mode <mode>', 'how the local executor runs trials').choices(['process', 'in-process']).default('process'))
    .option('--workflow-bundle <file>', 'pre-built workflow bundle')
    .option('--bundle-only <file>', 'write the workflow bundle to FILE and exit')
    .option('--no-aggregator', 'do not run the aggregator in this process')
    .option('--metrics-port <n>', 'serve Prometheus /metrics on this port (env SWEEP_METRICS_PORT; none by default)')
    .option('--metrics-host <host>', 'address of the /metrics endpoint (env SWEEP_METRICS_HOST; default 127.0.0.1)')
    .option('--nats-account-signing-key-file <file>', 'account signing key seed: each trial attempt gets its own short-lived NATS credential (env SWEEP_NATS_ACCOUNT_SIGNING_KEY_FILE)')
    .option('--nats-account <public-key>', 'the account of that signing key, A… (env SWEEP_NATS_ACCOUNT; not needed for the account\'s own key)')
    .option('--temporal-tls-ca <file>', 'PEM CA of the Temporal server certificate (env SWEEP_TEMPORAL_TLS_CA[_FILE])')
    .option('--temporal-tls-cert <file>', 'PEM client certificate for mTLS (env SWEEP_TEMPORAL_TLS_CERT[_FILE])')
    .option('--temporal-tls-key <file>', 'PEM private key of the client certificate (env SWEEP_TEMPORAL_TLS_KEY[_FILE])')
    .option('--temporal-tls-server-name <name>', 'check the server certificate against this name (env SWEEP_TEMPORAL_TLS_SERVER_NAME)')
    .option('--temporal-tls', 'TLS even without a CA, certificate or API key (env SWEEP_TEMPORAL_TLS=1)')
    .option('--temporal-api-key-file <file>', 'file holding the Temporal API key (env SWEEP_TEMPORAL_API_KEY[_FILE])')
    .exitOverride();
  for (const [flag, description] of NATS_AUTH_FLAGS) program.option(flag, description);
  program.option(...WEB_CONFIG_FLAG);
  program.parse(argv, { from: 'user' });
  const o = program.opts<NatsAuthFlags & { natsAccountSigningKeyFile?: string; natsAccount?: string } & {
    temporal?: string; namespace?: string; taskQueue?: string; nats?: string; trainerNats?: string; maxTrials?: number;
    localMode: 'process' | 'in-process'; workflowBundle?: string; bundleOnly?: string; aggregator: boolean;
    metricsPort?: string; metricsHost?: string; webConfig?: string;
    temporalTlsCa?: string; temporalTlsCert?: string; temporalTlsKey?: string; temporalTlsServerName?: string; temporalTls?: boolean; temporalApiKeyFile?: string;
  }>();
  const temporalAuth = {
    tlsCa: o.temporalTlsCa, tlsCert: o.temporalTlsCert, tlsKey: o.temporalTlsKey,
    tlsServerName: o.temporalTlsServerName, tls: o.temporalTls, apiKeyFile: o.temporalApiKeyFile,
  };
  if (o.bundleOnly) {
    await writeWorkflowBundle(o.bundleOnly);
    return 0;
  }
  const env = parseEnv(orchestratorEnvSchema);
  installRuntime(env.SWEEP_LOG_LEVEL ?? 'WARN');
  const trialCredentials = trialCredentialsFromFile(o.natsAccountSigningKeyFile ?? env.SWEEP_NATS_ACCOUNT_SIGNING_KEY_FILE, o.natsAccount ?? env.SWEEP_NATS_ACCOUNT, env.SWEEP_TRIAL_CREDENTIAL_TTL_S);
  const natsAuth = resolveNatsAuth(o);
  const telemetry = await telemetryFromFlags({ port: o.metricsPort, host: o.metricsHost, webConfig: o.webConfig }, { service: 'orchestrator' });
  const orch = await startOrchestrator({
    temporal: o.temporal, namespace: o.namespace, taskQueue: o.taskQueue, nats: o.nats, temporalAuth,
    ...(natsAuth ? { natsAuth } : {}), ...(trialCredentials ? { trialCredentials } : {}),
    trainerNats: o.trainerNats ? parseServers(o.trainerNats) : env.SWEEP_TRAINER_NATS_URL, maxTrials: o.maxTrials, localMode: o.localMode,
    workflowBundlePath: o.workflowBundle, aggregator: o.aggregator, hooks: telemetry?.hooks,
  });
  // A restarted worker finds the previous run of a schedule among the stored summaries.
  telemetry?.setPreviousRunLookup(previousRunFromSummaries(() => openSummariesKv(orch.nc)));
  const s = resolveSettings({ temporal: o.temporal, namespace: o.namespace, taskQueue: o.taskQueue, nats: o.nats, temporalAuth });
  process.stderr.write(`orchestrator: pid ${process.pid}, task queue ${s.taskQueue} on ${s.temporalAddress} (${s.namespace}, ${s.temporalCredentials.toString()}), NATS ${s.natsServers.join(',')}${trialCredentials ? ' (per-trial credentials)' : ''}, executors ${[...orch.executors.keys()].join(',')}${telemetry?.server ? `, metrics on ${telemetry.server.url}` : ''}\n`);
  const stop = () => void orch.shutdown();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await orch.run();
  await orch.shutdown();
  await telemetry?.close();
  return 0;
}

function positiveInt(v: string, flag: string): number {
  return parseIntegerOption(v, flag, 1);
}

if (isEntryPoint(import.meta.url)) {
  // A clean shutdown leaves nothing running: the process ends by itself (no process.exit), so a
  // timer or connection left open shows up as a worker that does not exit. SWEEP_REPORT_HANDLES=1
  // names what is still open a moment after shutdown (the report's own timer does not hold it).
  ignoreIpServernameWarning();
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    if (process.env.SWEEP_REPORT_HANDLES === '1') {
      setTimeout(() => process.stderr.write(`orchestrator: still open after shutdown: ${process.getActiveResourcesInfo().join(', ')}\n`), 1000).unref();
    }
  }, (err) => {
    if ((err as { code?: string }).code?.startsWith('commander.')) process.exit(err.exitCode === 0 ? 0 : 2);
    const bad = reportEnvError('orchestrator', err);
    if (bad !== undefined) process.exit(bad);
    // a flag naming a missing or unusable file (TLS certificate, API key): bad input, exit 2
    if (err instanceof ConfigError) {
      process.stderr.write(`orchestrator: ${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`orchestrator: ${firstLine(err)}\n`);
    // bad NATS settings (an unreadable file, refused credentials): restarting will not help
    process.exit(err instanceof ConfigError || err instanceof NatsAuthRefusedError ? 2 : 1);
  });
}
