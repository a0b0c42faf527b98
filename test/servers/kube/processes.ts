// Child processes of the Kubernetes test environment (etcd, control plane, trainer pods):
// output goes to a log file, stop() escalates SIGTERM → SIGKILL, and whatever is still
// running when the test process exits is killed so no server outlives its test.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** live children → whether to kill their whole process group (spawned detached) */
const live = new Map<ChildProcess, boolean>();
process.once('exit', () => {
  for (const [p, group] of live) {
    try {
      if (group && p.pid) process.kill(-p.pid, 'SIGKILL');
      else p.kill('SIGKILL');
    } catch { /* already gone */ }
  }
});

/** Kill `proc` (its process group when `group`, i.e. spawned detached) if the test process exits first. */
export function trackChild(proc: ChildProcess, group = false): void {
  live.set(proc, group);
  proc.once('close', () => live.delete(proc));
}

export interface ServerProcess {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly logFile: string;
  /** resolves with the exit code (or signal) once the process has ended */
  readonly exited: Promise<number | string | null>;
  stop(graceMs?: number): Promise<void>;
  /** last lines of the log, for error messages */
  tail(lines?: number): string;
}

export function startProcess(name: string, bin: string, args: string[], logFile: string,
  opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): ServerProcess {
  const log = createWriteStream(logFile, { flags: 'a' });
  const proc = spawn(bin, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.set(proc, false);
  proc.stdout!.pipe(log, { end: false });
  proc.stderr!.pipe(log, { end: false });
  const exited = new Promise<number | string | null>((resolve) => {
    proc.once('error', (err) => { log.write(`\n[spawn error] ${err.message}\n`); });
    proc.once('close', (code, signal) => { live.delete(proc); log.end(); resolve(code ?? signal); });
  });
  const tail = (lines = 20) => {
    try { return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n'); } catch { return ''; }
  };
  const stop = async (graceMs = 5000) => {
    if (proc.exitCode !== null || proc.signalCode !== null) { await exited; return; }
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return { name, proc, logFile, exited, stop, tail };
}

/** A port that was free a moment ago on 127.0.0.1 (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns true, or fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number,
  opts: { intervalMs?: number; died?: () => string | undefined } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastErr = '';
  for (;;) {
    const died = opts.died?.();
    if (died) throw new Error(`${what}: ${died}`);
    try {
      if (await check()) return;
    } catch (err) {
      lastErr = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? ` (last error: ${lastErr})` : ''}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}
