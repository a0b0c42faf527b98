// Connecting to Temporal with a short timeout and a one-line error naming the address and how
// the client connected (TLS, CA, client certificate), so a refused handshake is readable.
import { Connection } from '@temporalio/client';
import { firstLine } from '../core/error-message.js';
import { TemporalCredentials } from './temporal-auth.js';
import { diagnoseTls } from './tls-probe.js';

export class TemporalUnreachableError extends Error {
  /** `reason`: what a TLS handshake of our own found (diagnoseTls), said instead of gRPC's words */
  constructor(address: string, cause: unknown, credentials?: TemporalCredentials, reason?: string) {
    // plaintext is the default and goes unsaid
    super(`cannot reach Temporal at ${address}${credentials?.usesTls ? ` (${credentials.toString()})` : ''}: ${reason ?? causeChain(cause)}`);
    this.name = 'TemporalUnreachableError';
  }
}

export async function connectTemporal(address: string, timeoutMs: number, credentials: TemporalCredentials = TemporalCredentials.plaintext): Promise<Connection> {
  try {
    return await Connection.connect({ address, connectTimeout: timeoutMs, ...credentials.connectionOptions() });
  } catch (err) {
    throw new TemporalUnreachableError(address, err, credentials, await tlsReason(address, credentials, timeoutMs));
  }
}

/** What is wrong at the TLS layer, if that is where the connection failed. */
export async function tlsReason(address: string, credentials: TemporalCredentials, timeoutMs: number): Promise<string | undefined> {
  return diagnoseTls(address, credentials.connectionOptions().tls, timeoutMs).catch(() => undefined);
}

/**
 * The first lines of an error and of its causes: the SDK wraps a refusal (a wrong API key, a
 * permission) as "Failed to connect to Temporal server" with the server's status as its cause.
 */
function causeChain(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const line = firstLine(e);
    if (line && !parts.includes(line)) parts.push(line);
    if (!(e instanceof Error)) break;
  }
  return parts.join(': ');
}
