// The Temporal dev server (temporal CLI v1.5.1, built by build-temporal.sh) on free loopback
// ports, for one test file or benchmark: start, wait until the default namespace answers, stop.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnChild, type Child } from './children.js';
import { freePorts } from './free-port.js';

// Compiled to dist/test/servers/; the scripts stay in the source tree.
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface TemporalServerOptions {
  /** extra dynamic config, e.g. { 'limit.historyCount.suggestContinueAsNew': 200 } */
  dynamicConfig?: Record<string, unknown>;
  /** extra namespaces to create besides "default" */
  namespaces?: string[];
  /** search attributes to register, name → type (Keyword, Int, ...) */
  searchAttributes?: Record<string, string>;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** keep state in a SQLite file (default: in memory, which is much faster; tests never restart the server) */
  persist?: boolean;
  startTimeoutMs?: number;
}

export interface TemporalServer {
  /** host:port of the frontend gRPC service */
  address: string;
  namespace: string;
  httpPort: number;
  metricsPort: number;
  /** the server's own log (warnings such as history-size warnings land here) */
  log(): string;
  pid: number;
  stop(): Promise<void>;
}

let cachedBinary: string | undefined;

/** Path of the temporal CLI, building it on first use (cached under .cache/). */
export function temporalBinary(): string {
  if (cachedBinary) return cachedBinary;
  const out = execFileSync('bash', [join(repoRoot, 'test', 'servers', 'build-temporal.sh')], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 30 * 60_000,
  });
  cachedBinary = out.trim().split('\n').pop()!;
  return cachedBinary;
}

export async function startTemporal(opts: TemporalServerOptions = {}): Promise<TemporalServer> {
  const bin = temporalBinary();
  let lastError: unknown;
  // A port picked as free can be taken before the server binds it: retry with new ports.
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'sweep-temporal-'));
    const [port, httpPort, metricsPort] = await freePorts(3);
    const args = [
      'server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--http-port', String(httpPort),
      '--metrics-port', String(metricsPort), '--headless', '--log-level', opts.logLevel ?? 'warn',
    ];
    if (opts.persist) args.push('--db-filename', join(dir, 'temporal.sqlite'));
    for (const [k, v] of Object.entries(opts.dynamicConfig ?? {})) args.push('--dynamic-config-value', `${k}=${JSON.stringify(v)}`);
    for (const ns of opts.namespaces ?? []) args.push('--namespace', ns);
    for (const [k, t] of Object.entries(opts.searchAttributes ?? {})) args.push('--search-attribute', `${k}=${t}`);
    const child = spawnChild(bin, args, { cwd: dir });
    try {
      await waitHealthy(child, httpPort, opts.startTimeoutMs ?? 60_000);
      return {
        address: `127.0.0.1:${port}`,
        namespace: 'default',
        httpPort,
        metricsPort,
        pid: child.pid,
        log: () => child.output(),
        async stop() {
          await child.kill('SIGTERM');
          rmSync(dir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      lastError = err;
      await child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }
  throw lastError;
}

async function waitHealthy(child: Child, httpPort: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.exited.then(() => { exited = true; });
  while (Date.now() < deadline) {
    if (exited) throw new Error(`temporal dev server exited during start-up: ${child.output().slice(-2000)}`);
    try {
      const res = await fetch(`http://127.0.0.1:${httpPort}/api/v1/namespaces/default`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) {
        const body = (await res.json()) as { namespaceInfo?: { state?: string } };
        if (body.namespaceInfo?.state === 'NAMESPACE_STATE_REGISTERED') return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`temporal dev server not healthy within ${timeoutMs} ms: ${child.output().slice(-2000)}`);
}
