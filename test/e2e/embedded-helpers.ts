// Shared by the embedded end-to-end tests: run the real `sweep` CLI, read its output folder,
// and check the folder's invariants.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI = join(ROOT, 'dist', 'workers', 'cli.js');

/** A tiny but real trial: a few hundred milliseconds to a few seconds on one core. */
export function tinySpec(name: string, opts: { steps?: number; grid?: string; extra?: string } = {}): string {
  return `name: ${name}
task: { kind: teacher-mlp, inputDim: 4, trainSize: 64, testSize: 32, teacherWidth: 8 }
model: { width: 8, depth: 2 }
optimizer: { kind: sgd, lr: 0.1 }
train: { steps: ${opts.steps ?? 30}, batchSize: 16, evalEvery: 10, logEvalPoints: 0 }
measure: { gradNorm: false, weightMovement: false }
backend: { name: wasm, threads: 1 }
${opts.extra ?? ''}grid:
${(opts.grid ?? 'seed: [0, 1, 2, 3]').trim().split('\n').map((l) => `  ${l}`).join('\n')}
`;
}

export interface Cli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `sweep ARGS` (in its own process group when `group`, as a terminal would). */
export function startCli(args: string[], opts: { group?: boolean; cwd?: string } = {}): Cli {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: !!opts.group });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Runs `sweep ARGS` to the end (killed after `timeoutMs`). */
export async function runCli(args: string[], timeoutMs = 240_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = startCli(args);
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), timeoutMs);
  const { code } = await cli.exited;
  clearTimeout(timer);
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Process ids whose parent is `pid` (from /proc). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces, so parse after the last ')'
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(name));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

export function killAll(pids: number[]): void {
  for (const p of pids) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Complete lines of a JSONL file, asserting each one is complete, valid JSON. */
export function jsonl<T = Record<string, unknown>>(path: string): T[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  if (text.length) assert.equal(text[text.length - 1], '\n', `${path} ends with a complete line`);
  return text.split('\n').filter((l) => l.length).map((l, i) => {
    try {
      return JSON.parse(l) as T;
    } catch {
      throw new assert.AssertionError({ message: `${path}:${i + 1} is not valid JSON: ${l.slice(0, 80)}` });
    }
  });
}

export interface Rec {
  id: string;
  outcome: string;
  step: number;
  error?: string;
  finishedAt: string;
  axes: Record<string, unknown>;
  config: { seed: number; train: { steps: number }; task: { seed: number } };
}
export interface Met {
  trialId: string;
  step: number;
}

/**
 * The folder invariants: each trial recorded once; metric lines only of recorded trials, no
 * (trial, step) twice, steps increasing per trial; a succeeded trial's metrics reach its last step.
 */
export function checkFolder(dir: string): { trials: Rec[]; metrics: Met[] } {
  const trials = jsonl<Rec>(join(dir, 'trials.jsonl'));
  const metrics = jsonl<Met>(join(dir, 'metrics.jsonl'));
  const ids = trials.map((t) => t.id);
  assert.equal(new Set(ids).size, ids.length, 'each trial is recorded once');
  const recorded = new Set(ids);
  const lastStep = new Map<string, number>();
  for (const m of metrics) {
    assert.ok(recorded.has(m.trialId), `metric line of unrecorded trial ${m.trialId}`);
    const prev = lastStep.get(m.trialId) ?? -1;
    assert.ok(m.step > prev, `metrics of ${m.trialId}: step ${m.step} after ${prev} (duplicate or out of order)`);
    lastStep.set(m.trialId, m.step);
  }
  for (const t of trials) {
    if (t.outcome === 'succeeded') assert.equal(lastStep.get(t.id), t.config.train.steps, `metrics of ${t.id} reach its last step`);
  }
  return { trials, metrics };
}
