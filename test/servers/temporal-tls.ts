// Temporal's own server with the frontend on TLS (temporal-tls/main.go, built by
// build-temporal-tls.sh) on free loopback ports, for the TLS tests: start, wait for its
// "ready" line (the namespace answered over TLS), stop.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnChild } from './children.js';
import { freePorts } from './free-port.js';
import type { TestPki } from './tls-certs.js';

// Compiled to dist/test/servers/; the scripts stay in the source tree.
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface TemporalTlsServer {
  address: string;
  namespace: string;
  log(): string;
  stop(): Promise<void>;
}

let cachedBinary: string | undefined;

export function temporalTlsBinary(): string {
  cachedBinary ??= execFileSync('bash', [join(repoRoot, 'test', 'servers', 'build-temporal-tls.sh')], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 60 * 60_000,
  }).trim().split('\n').pop()!;
  return cachedBinary;
}

export async function startTemporalTls(pki: TestPki, opts: { requireClientCert?: boolean; apiKeyFile?: string; startTimeoutMs?: number } = {}): Promise<TemporalTlsServer> {
  const bin = temporalTlsBinary();
  let lastError: unknown;
  // A port picked as free can be taken before the server binds it: retry with new ports.
  for (let attempt = 0; attempt < 3; attempt++) {
    const [port, httpPort] = await freePorts(2);
    const args = [
      '-ip', '127.0.0.1', '-port', String(port), '-http-port', String(httpPort),
      '-tls-cert', pki.server.cert, '-tls-key', pki.server.key, '-client-ca', pki.ca, '-server-name', pki.serverName,
      '-system-cert', pki.system.cert, '-system-key', pki.system.key,
    ];
    if (opts.requireClientCert) args.push('-require-client-cert');
    if (opts.apiKeyFile) args.push('-api-key-file', opts.apiKeyFile);
    const child = spawnChild(bin, args);
    const deadline = Date.now() + (opts.startTimeoutMs ?? 90_000);
    let exited = false;
    void child.exited.then(() => { exited = true; });
    while (!exited && Date.now() < deadline && !/^ready$/m.test(child.output())) await new Promise((r) => setTimeout(r, 100));
    if (/^ready$/m.test(child.output()) && !exited) {
      return {
        address: `127.0.0.1:${port}`,
        namespace: 'default',
        log: () => child.output(),
        stop: () => child.kill('SIGTERM'),
      };
    }
    lastError = new Error(`temporal-tls did not start: ${child.output().slice(-2000)}`);
    await child.kill('SIGKILL');
  }
  throw lastError;
}
