// Runs command-trainer trials for the embedded runner: one process per attempt, started with its
// launch file (SWEEP_LAUNCH) and a pipe on fd 3 that carries its messages, one JSON object a
// line (docs/trainer-protocol.md). Every line is judged (core/protocol/attempt.ts); a crash is
// retried up to execution.maxAttempts, and a metric already received from an earlier attempt
// (same message id) is not passed on twice.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandTrialConfig } from '../../core/config/command-trial.js';
import type { CommandTrainer } from '../../core/config/trainer.js';
import { messageId, type BusMessage } from '../../core/messages.js';
import type { TrialResult } from '../../core/outcome.js';
import { AttemptJudge, quoteLine, type AttemptEnd } from '../../core/protocol/attempt.js';
import { launchEnv, launchFile, PIPE_FD } from '../../core/protocol/launch.js';
import type { TrialRun } from './trial-runner.js';

export interface CommandPoolOptions {
  trainer: CommandTrainer;
  /** working directory of the trainer: the spec's folder */
  cwd: string;
  /** attempts per trial for crashes */
  maxAttempts: number;
  /** trials at once */
  size: number;
  onMessage(message: BusMessage): void;
  onStart?(): void;
  /** pass the trainer's stdout/stderr through */
  inheritOutput?: boolean;
}

export interface CommandJob {
  sweepId: string;
  trialId: string;
  config: CommandTrialConfig;
}

const TAIL_LINES = 20;
/** A report line longer than this is refused (a trainer writing without newlines). */
const MAX_LINE = 1 << 20;

interface Attempt {
  child: ChildProcess;
  judge: AttemptJudge;
  stop(): void;
  done: Promise<AttemptEnd | null>;
}

export class CommandPool {
  private readonly queue: (() => void)[] = [];
  private readonly running = new Set<Attempt>();
  private readonly dir = mkdtempSync(join(tmpdir(), 'sweep-launch-'));
  private active = 0;
  private closing = false;

  constructor(private readonly opts: CommandPoolOptions) {}

  /** Runs a trial to its result, retrying crashes; null if the pool was closed first. */
  async run(job: CommandJob): Promise<TrialRun | null> {
    if (this.closing) return null;
    await new Promise<void>((go) => {
      this.queue.push(go);
      this.pump();
    });
    try {
      const seen = new Set<string>();
      let last: TrialResult | undefined;
      for (let attempt = 1; attempt <= this.opts.maxAttempts; attempt++) {
        if (this.closing) return null;
        // the progress counts a trial once, however many attempts it takes
        if (attempt === 1) this.opts.onStart?.();
        const end = await this.attempt(job, attempt, seen);
        if (!end) return null;
        last = end.result;
        if (!end.retryable) return { result: end.result, attempt };
        if (attempt < this.opts.maxAttempts) continue;
        return { result: { ...end.result, error: `${end.result.error} (attempt ${attempt} of ${this.opts.maxAttempts})` }, attempt };
      }
      return last ? { result: last, attempt: this.opts.maxAttempts } : null;
    } finally {
      this.active--;
      this.pump();
    }
  }

  private pump(): void {
    while (!this.closing && this.queue.length && this.active < this.opts.size) {
      this.active++;
      this.queue.shift()!();
    }
  }

  private attempt(job: CommandJob, attempt: number, seen: Set<string>): Promise<AttemptEnd | null> {
    const { trainer } = this.opts;
    const launchPath = join(this.dir, `${job.trialId}-${attempt}.json`);
    writeFileSync(launchPath, `${JSON.stringify(launchFile(job.sweepId, job.trialId, attempt, job.config, { mode: 'pipe', fd: PIPE_FD }))}\n`);
    const judge = new AttemptJudge(job.sweepId, job.trialId, attempt);
    const startedAt = Date.now();
    const out = this.opts.inheritOutput ? 'inherit' : 'pipe';
    // its own process group: Ctrl-C reaches the runner, which stops the trainer and its children
    const child = spawn(trainer.command[0], trainer.command.slice(1), {
      cwd: this.opts.cwd, env: { ...process.env, ...launchEnv(launchPath) },
      stdio: ['ignore', out, out, 'pipe'], detached: true,
    });
    const tail: string[] = [];
    const keep = (s: string) => {
      for (const line of s.split('\n')) if (line.trim()) tail.push(line.trim());
      if (tail.length > TAIL_LINES) tail.splice(0, tail.length - TAIL_LINES);
    };
    child.stdout?.setEncoding('utf8').on('data', keep);
    child.stderr?.setEncoding('utf8').on('data', keep);

    let timedOut = false;
    let startError: string | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const signalGroup = (sig: NodeJS.Signals) => {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        child.kill(sig);
      }
    };
    const stop = () => {
      signalGroup('SIGTERM');
      killTimer ??= setTimeout(() => signalGroup('SIGKILL'), trainer.killAfterSeconds * 1000);
    };
    const deadline = trainer.timeoutSeconds === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      stop();
    }, trainer.timeoutSeconds * 1000);

    // the report channel: one message a line; the attempt is judged line by line
    const pipe = child.stdio[PIPE_FD] as NodeJS.ReadableStream | null;
    let buffer = '';
    // once the outcome is known the trainer should end by itself; one that lingers is stopped
    let lingerTimer: NodeJS.Timeout | undefined;
    const onLine = (line: string) => {
      if (!line.trim() || judge.broken) return;
      const r = judge.receiveLine(line);
      if (!r.message) {
        stop();
        return;
      }
      if (judge.decided) lingerTimer ??= setTimeout(stop, trainer.killAfterSeconds * 1000);
      const id = messageId(r.message);
      if (!seen.has(id)) {
        seen.add(id);
        this.opts.onMessage(r.message);
      }
    };
    pipe?.setEncoding('utf8');
    pipe?.on('data', (s: string) => {
      buffer += s;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) !== -1) {
        onLine(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
      }
      if (buffer.length > MAX_LINE && !judge.broken) {
        judge.refuse(`a line longer than ${MAX_LINE} bytes: ${quoteLine(buffer)}`);
        stop();
        buffer = '';
      }
    });
    pipe?.on('error', () => {}); // the process's exit says what happened

    const done = new Promise<AttemptEnd | null>((resolve) => {
      let settled = false;
      const finish = (code: number | null, signal: string | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        clearTimeout(killTimer);
        clearTimeout(lingerTimer);
        if (buffer.trim()) onLine(buffer);
        this.running.delete(a);
        rmSync(launchPath, { force: true });
        if (this.closing && !judge.decided) return resolve(null);
        resolve(judge.end({ code, signal, timedOut, startError, tail, durationMs: Date.now() - startedAt }));
      };
      // 'close': the process has exited and its pipes are drained, so every line was read
      child.on('close', (code, signal) => finish(code, signal));
      child.on('error', (err: NodeJS.ErrnoException) => {
        // spawn failed (ENOENT, EACCES): no process ran, so no 'close' may follow
        startError = `${quoteLine(trainer.command[0])} (${err.code ?? err.message}) in ${this.opts.cwd}`;
        finish(null, null);
      });
    });
    const a: Attempt = { child, judge, stop, done };
    this.running.add(a);
    return done;
  }

  /** Stops every trainer (SIGTERM, then SIGKILL after the grace period) and waits for them. */
  async close(): Promise<void> {
    this.closing = true;
    // queued trials go on to find the pool closed and resolve null
    for (const go of this.queue.splice(0)) {
      this.active++;
      go();
    }
    const all = [...this.running];
    for (const a of all) a.stop();
    await Promise.all(all.map((a) => a.done));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
