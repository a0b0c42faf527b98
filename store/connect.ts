// Connecting to NATS: a short first-connect timeout with a one-line error naming the server,
// then unlimited reconnects (a restarted nats-server must not end a trial or the aggregator).
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { firstLine } from '../core/error-message.js';

export interface NatsConnectOptions {
  servers: string[];
  /** connection name shown in the server's monitoring */
  name?: string;
  /** first-connect timeout */
  timeoutMs?: number;
}

export class NatsUnreachableError extends Error {
  constructor(servers: string[], cause: unknown) {
    super(`cannot reach NATS at ${servers.join(', ')}: ${firstLine(cause)}`);
    this.name = 'NatsUnreachableError';
  }
}

export async function connectNats(opts: NatsConnectOptions): Promise<NatsConnection> {
  if (!opts.servers.length) throw new NatsUnreachableError(opts.servers, 'no server given (set --nats or SWEEP_NATS_URL)');
  try {
    return await connect({
      servers: opts.servers,
      name: opts.name,
      timeout: opts.timeoutMs ?? 5000,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      reconnectJitter: 100,
      pingInterval: 10_000,
    });
  } catch (err) {
    throw new NatsUnreachableError(opts.servers, err);
  }
}

/** Comma- or space-separated server list (flags and SWEEP_NATS_URL). */
export function parseServers(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).filter(Boolean);
}
