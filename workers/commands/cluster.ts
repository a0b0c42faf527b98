// What the cluster subcommands (submit, status, watch, cancel, report, schedule) share: the
// connection flags (falling back to SWEEP_* environment variables) and client set-up.
import type { Command } from 'commander';
import { SweepClient } from '../../client/sweep-client.js';
import { NATS_AUTH_FLAGS, resolveNatsAuth, type NatsAuthFlags } from '../../client/nats-settings.js';
import type { TemporalAuthInput } from '../../client/temporal-auth.js';
import { parseIntegerOption } from '../integer-option.js';
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

export async function connectClient(flags: ConnectionFlags): Promise<SweepClient> {
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
  const ended = s.closeTime ? ` after ${formatDuration(s.closeTime.getTime() - s.startTime.getTime())}` : '';
  if (!p) return `${s.sweepId}: ${s.status.toLowerCase()}${ended}${s.failure ? `: ${s.failure}` : ''}${s.note ? ` (${s.note})` : ''}`;
  const c = p.counts;
  const state = s.status === 'RUNNING' ? p.state : s.status.toLowerCase();
  return `${s.sweepId} (${p.name}): ${state}${ended}, ${p.finished}/${p.planned}${p.searchDone ? '' : '+'} trials done` +
    ` (${c.succeeded} succeeded, ${c.diverged} diverged, ${c.failed} failed${c.cancelled ? `, ${c.cancelled} cancelled` : ''})` +
    `${p.inFlight ? `, ${p.inFlight} running` : ''}, ${p.runs} workflow run${p.runs === 1 ? '' : 's'}${s.failure ? `: ${s.failure}` : ''}`;
}

export function exitCodeFor(s: SweepStatus): number {
  if (s.status === 'COMPLETED') return s.progress && s.progress.counts.failed > 0 ? 1 : 0;
  if (s.status === 'CANCELLED') return 130;
  return 1;
}
