// The processes a `sweep dev` started, recorded in its data folder, so that the next one can
// stop those left running when the previous one was killed (kill -9 gives it no chance to stop
// them). A pid is only signalled if its start time still matches: pids get reused.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FILE = 'processes.json';

export interface Recorded {
  name: string;
  pid: number;
  /** /proc/PID/stat start time, in clock ticks since boot */
  start: string;
}

export function procStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function recordProcesses(dir: string, list: Array<{ name: string; pid: number }>): void {
  const rows: Recorded[] = [];
  for (const p of list) {
    const start = procStart(p.pid);
    if (start !== undefined) rows.push({ name: p.name, pid: p.pid, start });
  }
  writeFileSync(join(dir, FILE), `${JSON.stringify(rows, null, 1)}\n`);
}

export function forgetProcesses(dir: string): void {
  rmSync(join(dir, FILE), { force: true });
}

/** Kills (SIGKILL, with their process groups) the recorded processes still running; returns their names. */
export function killLeftovers(dir: string): string[] {
  let rows: Recorded[];
  try {
    rows = JSON.parse(readFileSync(join(dir, FILE), 'utf8')) as Recorded[];
    if (!Array.isArray(rows)) return [];
  } catch {
    return [];
  }
  const killed: string[] = [];
  for (const r of rows) {
    if (typeof r?.pid !== 'number' || r.pid <= 1 || procStart(r.pid) !== r.start) continue;
    try {
      process.kill(-r.pid, 'SIGKILL');
    } catch {
      try {
        process.kill(r.pid, 'SIGKILL');
      } catch {
        continue;
      }
    }
    killed.push(`${r.name} (pid ${r.pid})`);
  }
  forgetProcesses(dir);
  return killed;
}
