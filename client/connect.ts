// Connecting to Temporal with a short timeout and a one-line error naming the address and how
// the client connected (TLS, CA, client certificate), so a refused handshake is readable.
import { Connection } from '@temporalio/client';
import { firstLine } from '../core/error-message.js';
import { TemporalCredentials } from './temporal-auth.js';

export class TemporalUnreachableError extends Error {
  constructor(address: string, cause: unknown, credentials?: TemporalCredentials) {
    // plaintext is the default and goes unsaid
    super(`cannot reach Temporal at ${address}${credentials?.usesTls ? ` (${credentials.toString()})` : ''}: ${firstLine(cause)}`);
    this.name = 'TemporalUnreachableError';
  }
}

export async function connectTemporal(address: string, timeoutMs: number, credentials: TemporalCredentials = TemporalCredentials.plaintext): Promise<Connection> {
  try {
    return await Connection.connect({ address, connectTimeout: timeoutMs, ...credentials.connectionOptions() });
  } catch (err) {
    throw new TemporalUnreachableError(address, err, credentials);
  }
}
