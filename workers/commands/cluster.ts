// What the cluster subcommands (submit, status, watch, cancel, report, schedule) share: the
// connection flags (falling back to SWEEP_* environment variables) and client set-up.
import type { Command } from 'commander';
import { SweepClient } from '../../client/sweep-client.js';
import { NATS_AUTH_FLAGS, resolveNatsAuth, type NatsAuthFlags } from '../../client/nats-settings.js';
import type { TemporalAuthInput } from '../../client/temporal-auth.js';
import { parseIntegerOption } from '../integer-option.js';
import { UsageError } from '../usage-error.js';
import { formatDuration } from '../embedded/progress.js';
import type { SweepStatus } from '../../client/sweep-client.js';

export interface ConnectionFlags extends NatsAuthFlags {
  temporal?: string;
  namespace?: string;
  taskQueue?: string;
  nats?: string;
  connectTimeout?: string;
  temporalTlsCa?: string;
  temporalTlsCert?: string;
  temporalTlsKey?: string;
  temporalTlsServerName?: string;
  temporalTls?: boolean;
  temporalApiKeyFile?: string;
}

export function withConnectionFlags(cmd: Command): Command {
  cmd
    .option('--temporal <host:port>', 'Temporal frontend (env SWEEP_TEMPORAL_ADDRESS, default 127.0.0.1:7233)')
    .option('--namespace <ns>', 'Temporal namespace (env SWEEP_TEMPORAL_NAMESPACE, default "default")')
    .option('--task-queue <queue>', 'task queue of the orchestrator workers (env SWEEP_TASK_QUEUE, default "sweeps")')
    .option('--nats <url>', 'NATS servers, comma-separated (env SWEEP_NATS_URL, default nats://127.0.0.1:4222)')
    .option('--connect-timeout <ms>', 'give up connecting after this long (env SWEEP_CONNECT_TIMEOUT_MS, default 5000)')
    .option('--temporal-tls-ca <file>', 'PEM CA of the Temporal server certificate (env SWEEP_TEMPORAL_TLS_CA[_FILE]; default the system CAs)')
    .option('--temporal-tls-cert <file>', 'PEM client certificate for mTLS (env SWEEP_TEMPORAL_TLS_CERT[_FILE])')
    .option('--temporal-tls-key <file>', 'PEM private key of the client certificate (env SWEEP_TEMPORAL_TLS_KEY[_FILE])')
    .option('--temporal-tls-server-name <name>', 'check the server certificate against this name (env SWEEP_TEMPORAL_TLS_SERVER_NAME)')
    .option('--temporal-tls', 'TLS even without a CA, certificate or API key (env SWEEP_TEMPORAL_TLS=1)')
    .option('--temporal-api-key-file <file>', 'file holding the Temporal API key, e.g. Temporal Cloud (env SWEEP_TEMPORAL_API_KEY[_FILE])');
  // credentials and TLS: files only (client/nats-settings.ts)
  for (const [flag, description] of NATS_AUTH_FLAGS) cmd.option(flag, description);
  return cmd;
}

/** The Temporal TLS and API key flags as the client's settings input. */
export function temporalAuthFlags(flags: ConnectionFlags): TemporalAuthInput {
  return {
    tlsCa: flags.temporalTlsCa, tlsCert: flags.temporalTlsCert, tlsKey: flags.temporalTlsKey,
    tlsServerName: flags.temporalTlsServerName, tls: flags.temporalTls, apiKeyFile: flags.temporalApiKeyFile,
  };
}

/** host:port (or host), an IPv6 address in brackets included: what Temporal's client accepts. */
const HOST_PORT = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(?::\d{1,5})?$/;
const NATS_SERVER = /^(?:(?:nats|tls|ws|wss):\/\/)?(?:[^@/\s]+@)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(?::\d{1,5})?\/?$/;

/** A malformed connection flag is invalid input (exit 2), not a server that cannot be reached. */
function checkConnectionFlags(flags: ConnectionFlags): void {
  if (flags.temporal !== undefined && !HOST_PORT.test(flags.temporal)) throw new UsageError(`--temporal: "${flags.temporal}" is not host:port`);
  if (flags.nats !== undefined) {
    const bad = flags.nats.split(',').map((u) => u.trim()).find((u) => !NATS_SERVER.test(u));
    if (bad !== undefined) throw new UsageError(`--nats: "${bad}" is not a NATS server (nats://host:port, tls://host:port or host:port)`);
  }
  if (flags.namespace !== undefined && !flags.namespace.trim()) throw new UsageError('--namespace: must not be empty');
  if (flags.taskQueue !== undefined && !flags.taskQueue.trim()) throw new UsageError('--task-queue: must not be empty');
}

export async function connectClient(flags: ConnectionFlags): Promise<SweepClient> {
  checkConnectionFlags(flags);
  let connectTimeoutMs: number | undefined;
  if (flags.connectTimeout !== undefined) {
    connectTimeoutMs = parseIntegerOption(flags.connectTimeout, '--connect-timeout', 1);
  }
  return SweepClient.connect({
    temporal: flags.temporal, namespace: flags.namespace, taskQueue: flags.taskQueue, nats: flags.nats, connectTimeoutMs,
    natsAuth: resolveNatsAuth(flags),
    temporalAuth: temporalAuthFlags(flags),
  });
}

/** Runs `fn` with a connected client and always closes it. */
export async function withClient<T>(flags: ConnectionFlags, fn: (c: SweepClient) => Promise<T>): Promise<T> {
  const client = await connectClient(flags);
  try {
    return await fn(client);
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** One line: state, done/planned, outcomes, in flight, runs. */
export function statusLine(s: SweepStatus): string {
  const p = s.progress;
  // startTime is the first run's: the duration spans every continue-as-new run
  const ended = s.closeTime ? ` after ${formatDuration(s.closeTime.getTime() - s.startTime.getTime())}` : '';
  if (!p) return `${s.sweepId}: ${s.status.toLowerCase()}${ended}${s.failure ? `: ${s.failure}` : ''}${s.note ? ` (${s.note})` : ''}`;
  // the workflow's own 'completed' comes a moment before Temporal closes the run
  const state = s.status !== 'RUNNING' ? s.status.toLowerCase() : p.state === 'completed' ? 'finishing' : p.state;
  // before the first round is planned the workflow knows neither the name nor the trials
  if (state === 'planning' && !p.name) return `${s.sweepId}: planning the first trials`;
  const c = p.counts;
  return `${s.sweepId} (${p.name}): ${state}${ended}, ${p.finished}/${p.planned}${p.searchDone ? '' : '+'} trials done` +
    ` (${c.succeeded} succeeded, ${c.diverged} diverged, ${c.failed} failed${c.cancelled ? `, ${c.cancelled} cancelled` : ''})` +
    `${p.inFlight ? `, ${inFlight(s, p.inFlight)}` : ''}, ${p.runs} workflow run${p.runs === 1 ? '' : 's'}${s.failure ? `: ${s.failure}` : ''}`;
}

/** Trials in flight; when the workers have fewer trial slots, how many run and why the rest wait. */
function inFlight(s: SweepStatus, n: number): string {
  if (s.trialSlots === undefined) return `${n} running`;
  return `${s.trialSlots} running and ${n - s.trialSlots} waiting for a trial slot` +
    ` (the workers on task queue ${s.taskQueue} run at most ${s.trialSlots} trials at once: their --max-trials)`;
}

export function exitCodeFor(s: SweepStatus): number {
  if (s.status === 'COMPLETED') return s.progress && s.progress.counts.failed > 0 ? 1 : 0;
  if (s.status === 'CANCELLED') return 130;
  return 1;
}
