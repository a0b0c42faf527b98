// nats-server with JetStream (Debian 2.9) on free loopback ports, with file storage in a temp
// dir. restart() stops and starts it on the same port and store, as a crash-and-recover would.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnChild, type Child } from './children.js';
import { freePorts } from './free-port.js';

export interface NatsServer {
  url: string;
  port: number;
  monitorPort: number;
  storeDir: string;
  pid(): number;
  log(): string;
  /** stop (SIGKILL when hard, else SIGTERM) and start again on the same port and store */
  restart(opts?: { hard?: boolean; downMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

export interface StartNatsOptions {
  startTimeoutMs?: number;
  /** server configuration text (TLS, authorization, operator mode); the flags set address, ports and store */
  config?: string;
  /** URL scheme of `url` (tls when the server requires TLS) */
  scheme?: 'nats' | 'tls';
}

export async function startNats(opts: StartNatsOptions = {}): Promise<NatsServer> {
  const storeDir = mkdtempSync(join(tmpdir(), 'sweep-nats-'));
  const timeout = opts.startTimeoutMs ?? 20_000;
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const [port, monitorPort] = await freePorts(2);
    const configArgs: string[] = [];
    if (opts.config !== undefined) {
      const file = join(storeDir, 'server.conf');
      writeFileSync(file, opts.config);
      configArgs.push('-c', file);
    }
    const launch = () => spawnChild('nats-server', [...configArgs, '-a', '127.0.0.1', '-p', String(port), '-m', String(monitorPort), '-js', '-sd', storeDir]);
    let child = launch();
    try {
      await waitHealthy(child, monitorPort, timeout);
    } catch (err) {
      lastError = err;
      await child.kill('SIGKILL');
      continue;
    }
    return {
      url: `${opts.scheme ?? 'nats'}://127.0.0.1:${port}`,
      port,
      monitorPort,
      storeDir,
      pid: () => child.pid,
      log: () => child.output(),
      async restart(r = {}) {
        await child.kill(r.hard ? 'SIGKILL' : 'SIGTERM');
        if (r.downMs) await new Promise((res) => setTimeout(res, r.downMs));
        // The old socket may linger briefly; retry the same port.
        for (let i = 0; ; i++) {
          child = launch();
          try {
            await waitHealthy(child, monitorPort, timeout);
            return;
          } catch (err) {
            await child.kill('SIGKILL');
            if (i >= 5) throw err;
            await new Promise((res) => setTimeout(res, 500));
          }
        }
      },
      async stop() {
        await child.kill('SIGTERM');
        rmSync(storeDir, { recursive: true, force: true });
      },
    };
  }
  rmSync(storeDir, { recursive: true, force: true });
  throw lastError;
}

async function waitHealthy(child: Child, monitorPort: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.exited.then(() => { exited = true; });
  while (Date.now() < deadline) {
    if (exited) throw new Error(`nats-server exited during start-up: ${child.output().slice(-2000)}`);
    try {
      const res = await fetch(`http://127.0.0.1:${monitorPort}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nats-server not healthy within ${timeoutMs} ms: ${child.output().slice(-2000)}`);
}
