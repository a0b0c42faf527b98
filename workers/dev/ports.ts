// Loopback ports of the local cluster: a port asked for must be free before anything starts
// (a busy one is a one-line error naming the flag to change it); 0 asks the OS for a free one.
import { createServer, type AddressInfo } from 'node:net';
import { UsageError } from '../usage-error.js';

export const HOST = '127.0.0.1';

/** One port the cluster needs: what uses it, and the flag that sets it (none for helper ports). */
export interface PortRequest {
  what: string;
  port: number;
  flag?: string;
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ port, host: HOST, exclusive: true }, () => {
      const got = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(got));
    });
  });
}

/**
 * The ports to use, in the order asked: each non-zero port checked free, each 0 replaced by a
 * free port distinct from the others. Throws a UsageError for a port in use.
 */
export async function reservePorts(requests: PortRequest[]): Promise<number[]> {
  const out: number[] = [];
  for (const r of requests) {
    if (r.port !== 0) {
      try {
        await listenOnce(r.port);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') {
          const change = r.flag ? `, or choose another with ${r.flag} N (0 picks a free one)` : '';
          throw new UsageError(`port ${r.port} (${r.what}) is in use on ${HOST}: stop what holds it (another sweep dev?)${change}`);
        }
        if (code === 'EACCES') throw new UsageError(`port ${r.port} (${r.what}) needs privileges on ${HOST}${r.flag ? `; choose a port above 1023 with ${r.flag}` : ''}`);
        throw err;
      }
      if (out.includes(r.port)) throw new UsageError(`port ${r.port} is asked for twice (${r.what}${r.flag ? `, ${r.flag}` : ''})`);
      out.push(r.port);
      continue;
    }
    // the OS may hand back a port already chosen above: ask again
    for (;;) {
      const p = await listenOnce(0);
      if (!out.includes(p) && !requests.some((q) => q.port === p)) {
        out.push(p);
        break;
      }
    }
  }
  return out;
}
