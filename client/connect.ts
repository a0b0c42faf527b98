// Connecting to Temporal with a short timeout and a one-line error naming the address.
import { Connection } from '@temporalio/client';
import { firstLine } from '../core/error-message.js';

export class TemporalUnreachableError extends Error {
  constructor(address: string, cause: unknown) {
    super(`cannot reach Temporal at ${address}: ${firstLine(cause)}`);
    this.name = 'TemporalUnreachableError';
  }
}

export async function connectTemporal(address: string, timeoutMs: number): Promise<Connection> {
  try {
    return await Connection.connect({ address, connectTimeout: timeoutMs });
  } catch (err) {
    throw new TemporalUnreachableError(address, err);
  }
}
