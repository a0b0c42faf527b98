// Runs a trial attempt as a child process of the worker (node workers/trainer.js -, with the
// launch on its stdin: nothing is left on disk, whatever happens to the worker). An attempt's
// own NATS credential is the one file: a .creds readable only by the worker's user, in a
// private temporary folder removed when the trainer exits.
// A command trial (the spec's trainer.command) runs the user's program instead, in the worker's
// working directory (or `commandCwd`), with SWEEP_LAUNCH naming a protocol-v1 launch file in
// that private folder whose report is the NATS one (docs/trainer-protocol.md).
// The process gets its own process group, so cancelling kills the trainer and anything it
// started; it also holds an IPC channel to the worker, and stops when the worker dies, so no
// trainer outlives the worker that launched it.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isCommandTrial } from '../core/config/command-trial.js';
import { commandLaunchFile } from './command-launch.js';
import { launchEnv } from '../core/protocol/launch.js';
import { TRAINER_EXIT, type ExecutorContext, type ExecutorOutcome, type TrialExecutor, type AnyTrialLaunch } from './executor.js';

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
  /** working directory of command trainers (default: the worker's) */
  commandCwd?: string;
  /** extra environment for the trainer */
  env?: NodeJS.ProcessEnv;
  /** called with the pid of every trainer process started (tests, diagnostics) */
  onSpawn?: (pid: number, launch: AnyTrialLaunch) => void;
  /** called with each progress report of a trainer (its latest evaluation step) */
  onProgress?: (pid: number, step: number, launch: AnyTrialLaunch) => void;
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

  async run(launch: AnyTrialLaunch, ctx: ExecutorContext): Promise<ExecutorOutcome> {
    if (ctx.signal.aborted) return cancelledOutcome([]);
    const command = isCommandTrial(launch.config) ? launch.trainer?.command : undefined;
    if (isCommandTrial(launch.config) && !command) {
      return { exitCode: null, failure: { kind: 'crashed', retryable: false, message: 'a command trial reached the executor without its trainer.command' } };
    }
    if (!ctx.credential && !command) return this.spawnTrainer(launch, ctx);
    const dir = await mkdtemp(join(tmpdir(), 'sweep-trial-'));
    try {
      let run = launch;
      if (ctx.credential) {
        const creds = join(dir, 'trial.creds');
        await writeFile(creds, ctx.credential.creds, { mode: 0o600 });
        const { tls } = launch.nats.auth ?? {};
        const auth = { creds, inboxPrefix: ctx.credential.inboxPrefix, ...(tls ? { tls } : {}) };
        run = { ...launch, nats: { ...launch.nats, auth } };
      }
      if (!command) return await this.spawnTrainer(run, ctx);
      const file = join(dir, 'launch.json');
      await writeFile(file, JSON.stringify(commandLaunchFile(run)), { mode: 0o600 });
      return await this.spawnTrainer(run, ctx, { file: command[0], args: command.slice(1), env: launchEnv(file) });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async spawnTrainer(launch: AnyTrialLaunch, ctx: ExecutorContext, command?: { file: string; args: string[]; env: Record<string, string> }): Promise<ExecutorOutcome> {
    const tail: string[] = [];
    let partial = '';
    const keep = (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      tail.push(...lines.filter(Boolean));
      if (tail.length > TAIL_LINES) tail.splice(0, tail.length - TAIL_LINES);
    };
    const cwd = this.opts.commandCwd ?? process.cwd();
    // The built-in trainer reads its launch on stdin and holds an IPC channel; a command reads
    // SWEEP_LAUNCH and has neither (it is not a Node program of ours).
    const child = command
      ? spawn(command.file, command.args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, cwd, env: { ...process.env, ...this.opts.env, ...command.env } })
      : spawn(process.execPath, [...(this.opts.nodeArgs ?? []), this.opts.trainerEntry ?? DEFAULT_TRAINER_ENTRY, '-'], {
        stdio: ['pipe', 'pipe', 'pipe', 'ipc'],
        detached: true,
        env: { ...process.env, ...this.opts.env },
      });
    const pid = child.pid;
    if (pid === undefined) {
      const err = await new Promise<Error>((r) => child.once('error', r));
      // A program that is not there or not executable is the spec's to fix: not retried.
      const code = (err as NodeJS.ErrnoException).code;
      const missing = command !== undefined && (code === 'ENOENT' || code === 'EACCES');
      const what = command ? `${command.file} in ${cwd}` : 'the trainer';
      return { exitCode: null, failure: { kind: 'crashed', retryable: !missing, message: `could not start the trainer: ${what}: ${err.message}` } };
    }
    this.live.add(pid);
    if (!command) {
      child.stdin!.on('error', () => undefined); // a trainer killed at once closes its stdin early
      child.stdin!.end(JSON.stringify(launch));
    }
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
    const grace = command && launch.trainer ? launch.trainer.killAfterSeconds * 1000 : (this.opts.killGraceMs ?? 5000);

    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    let cancelled = false;
    let timedOut = false;
    const stop = () => {
      killGroup(pid, 'SIGTERM');
      const hard = setTimeout(() => killGroup(pid, 'SIGKILL'), grace);
      exited.then(() => clearTimeout(hard));
    };
    const onAbort = () => {
      cancelled = true;
      stop();
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    // trainer.timeoutSeconds: a hung command trainer is stopped and its trial fails (not retried)
    const limit = command ? launch.trainer?.timeoutSeconds : undefined;
    const deadline = limit !== undefined ? setTimeout(() => { timedOut = true; stop(); }, limit * 1000) : undefined;
    try {
      const { code, signal } = await exited;
      // Anything the trainer started in its group goes with it.
      killGroup(pid, 'SIGKILL');
      if (partial) tail.push(partial);
      if (cancelled) return cancelledOutcome(tail);
      if (timedOut) {
        return { exitCode: code, failure: { kind: 'deadline-exceeded', retryable: false, message: 'the trainer reached no outcome within trainer.timeoutSeconds and was stopped', logTail: tail } };
      }
      if (code === TRAINER_EXIT.ok) return { exitCode: 0 };
      if (code === TRAINER_EXIT.invalid) {
        const message = command ? 'the trainer found its launch invalid (exit code 2; not retried)' : lastLine(tail, 'invalid trial launch');
        return { exitCode: code, failure: { kind: 'crashed', retryable: false, message, logTail: tail } };
      }
      if (command) {
        // one line (the activity keeps the first of the message): the protocol's wording, the output's last lines
        const last = tail.length ? `; last output: ${tail.slice(-3).join(' | ')}` : '';
        return { exitCode: code, failure: { kind: 'crashed', retryable: true, message: `the trainer crashed (${signal ? `signal ${signal}` : `exit code ${code}`})${last}`, logTail: tail } };
      }
      const why = signal ? `trainer killed by ${signal}` : `trainer exited with code ${code}`;
      // SIGKILL from outside (the kernel's OOM killer is the usual sender) is still worth a retry.
      return { exitCode: code, failure: { kind: 'crashed', retryable: true, message: `${why}: ${lastLine(tail, 'no output')}`, logTail: tail } };
    } finally {
      clearInterval(timer);
      clearTimeout(deadline);
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
