// Connecting to Temporal with a short timeout and a one-line error naming the address.
import { Connection } from '@temporalio/client';

export class TemporalUnreachableError extends Error {
  constructor(address: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`cannot reach Temporal at ${address}: ${why.split('\n')[0]}`);
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
