// Child processes started by tests: every one is recorded so a test's after() can kill all of
// them (and their process groups) even when the test failed half-way.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Child {
  proc: ChildProcess;
  pid: number;
  /** everything written to stdout and stderr so far (bounded) */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const MAX_OUTPUT = 1 << 20;
const live = new Set<Child>();

/** Spawns `cmd` in its own process group (so killing the group also kills its children). */
export function spawnChild(cmd: string, args: string[], opts: SpawnOptions = {}): Child {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...opts });
  if (proc.pid === undefined) throw new Error(`spawnChild: could not start ${cmd}`);
  let out = '';
  const append = (b: Buffer) => {
    out += b.toString();
    if (out.length > MAX_OUTPUT) out = out.slice(out.length - MAX_OUTPUT);
  };
  proc.stdout?.on('data', append);
  proc.stderr?.on('data', append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on('exit', (code, signal) => resolve({ code, signal }));
  });
  const child: Child = {
    proc,
    pid: proc.pid,
    output: () => out,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (proc.exitCode === null && proc.signalCode === null) {
        try { process.kill(-proc.pid!, signal); } catch { try { proc.kill(signal); } catch { /* gone */ } }
        // Give a polite signal a moment, then make sure.
        const timer = setTimeout(() => { try { process.kill(-proc.pid!, 'SIGKILL'); } catch { /* gone */ } }, signal === 'SIGKILL' ? 0 : 5000);
        await exited;
        clearTimeout(timer);
      }
      // The group may still hold grandchildren after the leader exited.
      try { process.kill(-proc.pid!, 'SIGKILL'); } catch { /* none left */ }
      live.delete(child);
    },
  };
  exited.then(() => { if (!isGroupAlive(proc.pid!)) live.delete(child); });
  live.add(child);
  return child;
}

function isGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Kills every child started through spawnChild that is still alive (for after()). */
export async function killAllChildren(): Promise<void> {
  await Promise.all([...live].map((c) => c.kill('SIGKILL')));
}

/** Whether a process with this pid exists (and is not a zombie). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // A zombie still answers kill(0); its /proc status says so.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
