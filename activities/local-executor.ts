// Runs a trial attempt as a child process of the worker (node workers/trainer.js -, with the
// launch on its stdin: nothing is left on disk, whatever happens to the worker). An attempt's
// own NATS credential is the one file: a .creds readable only by the worker's user, in a
// private temporary folder removed when the trainer exits.
// The process gets its own process group, so cancelling kills the trainer and anything it
// started; it also holds an IPC channel to the worker, and stops when the worker dies, so no
// trainer outlives the worker that launched it.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TRAINER_EXIT, type ExecutorContext, type ExecutorOutcome, type TrialExecutor, type TrialLaunch } from './executor.js';

export const DEFAULT_TRAINER_ENTRY = fileURLToPath(new URL('../workers/trainer.js', import.meta.url));

export interface LocalExecutorOptions {
  /** trainer entry module (default: workers/trainer.js next to this file) */
  trainerEntry?: string;
  /** extra node flags for the trainer process */
  nodeArgs?: string[];
  /** heartbeat period while the process runs */
  heartbeatMs?: number;
  /** SIGTERM → SIGKILL grace period on cancel */
  killGraceMs?: number;
  /** extra environment for the trainer */
  env?: NodeJS.ProcessEnv;
  /** called with the pid of every trainer process started (tests, diagnostics) */
  onSpawn?: (pid: number, launch: TrialLaunch) => void;
  /** called with each progress report of a trainer (its latest evaluation step) */
  onProgress?: (pid: number, step: number, launch: TrialLaunch) => void;
}

const TAIL_LINES = 30;

export class LocalProcessExecutor implements TrialExecutor {
  readonly name = 'local';
  private readonly live = new Set<number>();

  constructor(private readonly opts: LocalExecutorOptions = {}) {}

  /** pids of trainer processes running now */
  get pids(): number[] {
    return [...this.live];
  }

  async run(launch: TrialLaunch, ctx: ExecutorContext): Promise<ExecutorOutcome> {
    if (ctx.signal.aborted) return cancelledOutcome([]);
    if (!ctx.credential) return this.spawnTrainer(launch, ctx);
    const dir = await mkdtemp(join(tmpdir(), 'sweep-trial-'));
    try {
      const creds = join(dir, 'trial.creds');
      await writeFile(creds, ctx.credential.creds, { mode: 0o600 });
      const { tls } = launch.nats.auth ?? {};
      const auth = { creds, inboxPrefix: ctx.credential.inboxPrefix, ...(tls ? { tls } : {}) };
      return await this.spawnTrainer({ ...launch, nats: { ...launch.nats, auth } }, ctx);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async spawnTrainer(launch: TrialLaunch, ctx: ExecutorContext): Promise<ExecutorOutcome> {
    const tail: string[] = [];
    let partial = '';
    const keep = (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      tail.push(...lines.filter(Boolean));
      if (tail.length > TAIL_LINES) tail.splice(0, tail.length - TAIL_LINES);
    };
    const child = spawn(process.execPath, [...(this.opts.nodeArgs ?? []), this.opts.trainerEntry ?? DEFAULT_TRAINER_ENTRY, '-'], {
      stdio: ['pipe', 'pipe', 'pipe', 'ipc'],
      detached: true,
      env: { ...process.env, ...this.opts.env },
    });
    const pid = child.pid;
    if (pid === undefined) {
      const err = await new Promise<Error>((r) => child.once('error', r));
      return { exitCode: null, failure: { kind: 'crashed', retryable: true, message: `could not start the trainer: ${err.message}` } };
    }
    this.live.add(pid);
    child.stdin!.on('error', () => undefined); // a trainer killed at once closes its stdin early
    child.stdin!.end(JSON.stringify(launch));
    this.opts.onSpawn?.(pid, launch);
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const handle = `pid:${pid}`;
    let step: number | undefined;
    child.on('message', (m: { type?: string; step?: number }) => {
      if (m?.type === 'progress' && typeof m.step === 'number') {
        step = m.step;
        this.opts.onProgress?.(pid, m.step, launch);
      }
    });
    const beat = () => ctx.heartbeat({ phase: 'running', handle, ...(step !== undefined ? { step } : {}) });
    beat();
    const timer = setInterval(beat, this.opts.heartbeatMs ?? 1000);

    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    let cancelled = false;
    const onAbort = () => {
      cancelled = true;
      killGroup(pid, 'SIGTERM');
      const hard = setTimeout(() => killGroup(pid, 'SIGKILL'), this.opts.killGraceMs ?? 5000);
      exited.then(() => clearTimeout(hard));
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const { code, signal } = await exited;
      // Anything the trainer started in its group goes with it.
      killGroup(pid, 'SIGKILL');
      if (partial) tail.push(partial);
      if (cancelled) return cancelledOutcome(tail);
      if (code === TRAINER_EXIT.ok) return { exitCode: 0 };
      if (code === TRAINER_EXIT.invalid) {
        return { exitCode: code, failure: { kind: 'crashed', retryable: false, message: lastLine(tail, 'invalid trial launch'), logTail: tail } };
      }
      const why = signal ? `trainer killed by ${signal}` : `trainer exited with code ${code}`;
      // SIGKILL from outside (the kernel's OOM killer is the usual sender) is still worth a retry.
      return { exitCode: code, failure: { kind: 'crashed', retryable: true, message: `${why}: ${lastLine(tail, 'no output')}`, logTail: tail } };
    } finally {
      clearInterval(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      this.live.delete(pid);
    }
  }

  /**
   * Trainers run detached (their own process group), so one still running when the worker
   * stops would outlive it: the attempts were cancelled by the shutdown, stop what is left.
   */
  async close(): Promise<void> {
    for (const pid of this.live) killGroup(pid, 'SIGKILL');
  }
}

function cancelledOutcome(tail: string[]): ExecutorOutcome {
  return { exitCode: null, failure: { kind: 'cancelled', retryable: false, message: 'trial cancelled', logTail: tail } };
}

function lastLine(tail: string[], fallback: string): string {
  for (let i = tail.length - 1; i >= 0; i--) if (tail[i].trim()) return tail[i].trim().replace(/^trainer: /, '');
  return fallback;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
