// One server process of the local cluster: started in its own process group (so a stop reaches
// whatever it started, e.g. the worker's trainers, and the terminal's Ctrl-C reaches only
// `sweep dev`, which stops the services in order), its output appended to a log file.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { sleep } from '../../core/sleep.js';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Service {
  name: string;
  pid: number;
  logFile: string;
  exited: Promise<Exit>;
  /** whether the process is still running */
  running(): boolean;
  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves once the group is gone */
  stop(graceMs: number): Promise<void>;
  /** SIGKILL to the group at once */
  kill(): void;
  /** the last line of its log that says something, for errors */
  lastLogLine(): string;
}

export interface ServiceOptions {
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Whether any process of the group led by `pid` is left (ESRCH once the last one is reaped). */
export function groupAlive(pid: number): boolean {
  return signalGroup(pid, 0 as unknown as NodeJS.Signals);
}

export function startService(name: string, cmd: string, args: string[], opts: ServiceOptions): Service {
  const fd = openSync(opts.logFile, 'a');
  let proc;
  try {
    proc = spawn(cmd, args, { stdio: ['ignore', fd, fd], detached: true, env: opts.env ?? process.env, cwd: opts.cwd });
  } finally {
    closeSync(fd);
  }
  const pid = proc.pid;
  if (pid === undefined) throw new Error(`could not start ${name} (${cmd})`);
  let done = false;
  const exited = new Promise<Exit>((resolve) => {
    proc.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
    // spawn errors (ENOENT after the checks, EACCES) end the service too
    proc.once('error', () => {
      done = true;
      resolve({ code: null, signal: null });
    });
  });
  const service: Service = {
    name,
    pid,
    logFile: opts.logFile,
    exited,
    running: () => !done,
    async stop(graceMs) {
      if (!done) {
        signalGroup(pid, 'SIGTERM');
        const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      // the leader has exited; what it started and left behind goes with the group
      for (let i = 0; i < 50 && groupAlive(pid); i++) {
        signalGroup(pid, 'SIGKILL');
        await sleep(20);
      }
    },
    kill() {
      signalGroup(pid, 'SIGKILL');
    },
    lastLogLine() {
      try {
        const lines = readFileSync(opts.logFile, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
        return lines.at(-1)?.slice(0, 300) ?? '';
      } catch {
        return '';
      }
    },
  };
  return service;
}

/**
 * Resolves once `ready()` answers true; throws if the service exits first, `timeoutMs`
 * passes (naming its log) or `signal` aborts.
 */
export async function waitReady(s: Service, ready: () => Promise<boolean>, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    if (!s.running()) {
      const e = await s.exited;
      const how = e.signal ? `signal ${e.signal}` : `code ${e.code}`;
      throw new Error(`${s.name} exited during start-up (${how}); ${s.logFile} ends: ${s.lastLogLine()}`);
    }
    if (await ready().catch(() => false)) return;
    await sleep(150);
  }
  throw new Error(`${s.name} not ready within ${Math.round(timeoutMs / 1000)} s; see ${s.logFile}`);
}
