// A pool of worker processes for the embedded runner. Trials run in child processes (not
// threads) so a trial that crashes its process — out of memory, a native abort — costs only
// that trial, and stopping the sweep is as simple as ending the processes.
import { fork, type ChildProcess } from 'node:child_process';
import type { BackendConfig } from '../../core/config/trial.js';
import { isEvent, type BusMessage, type FinalMetrics } from '../../core/messages.js';
import { OUTCOMES, type TrialResult } from '../../core/outcome.js';
import { parseBusMessage, type RejectReason } from '../../core/message-schema.js';
import { MAX_EVAL_POINTS } from '../../core/config/bounds.js';
import type { RunRequest, TrialJob, WorkerReport } from './protocol.js';
import type { DataAccess } from '../../core/tasks/file/data-roots.js';

export interface PoolOptions {
  /** number of worker processes */
  size: number;
  /** path of the worker entry module (workers/embedded/worker.js) */
  entry: string;
  /** backend each worker initialises once */
  backend: BackendConfig;
  /** folders the trials' file tasks may read */
  data: DataAccess;
  /** every metric and lifecycle message of every trial, in order per trial */
  onMessage(message: BusMessage): void;
  /** a trial was handed to a worker */
  onStart?(job: TrialJob): void;
  /** a worker's report was dropped (malformed, another trial's, a step repeated, a flood) */
  onRejected?(reason: RejectReason, problem: string, job: TrialJob): void;
  /** pass the workers' stdout/stderr through (otherwise kept only for crash messages) */
  inheritOutput?: boolean;
  /** grace period between SIGTERM and SIGKILL when stopping */
  killAfterMs?: number;
}

interface Running {
  job: TrialJob;
  resolve(r: TrialResult | null): void;
  startedAt: number;
  backend?: string;
  lrConvention?: string;
  final: FinalMetrics;
  /** step of the last metric message accepted (-1: none yet), and how many were */
  lastStep: number;
  metrics: number;
}

/** Most metric messages of one attempt: the evaluation points a trial may have (and its last step). */
const MAX_METRICS_PER_ATTEMPT = MAX_EVAL_POINTS + 2;

interface Worker {
  child: ChildProcess;
  running?: Running;
  /** last lines the process wrote to stderr, for the failure message if it dies */
  tail: string[];
  exited: Promise<void>;
}

const TAIL_LINES = 20;

export class WorkerPool {
  private readonly queue: { job: TrialJob; resolve(r: TrialResult | null): void }[] = [];
  private readonly workers = new Set<Worker>();
  private closing = false;

  constructor(private readonly opts: PoolOptions) {}

  /** Trials currently running in a worker. */
  get busy(): number {
    let n = 0;
    for (const w of this.workers) if (w.running) n++;
    return n;
  }

  /** Worker process ids (for tests and diagnostics). */
  get pids(): number[] {
    return [...this.workers].map((w) => w.child.pid).filter((p): p is number => p !== undefined);
  }

  /**
   * Runs a trial in the next free worker. Resolves with its result — a worker that dies mid-
   * trial gives a `failed` result naming how it died — or with null if the pool was closed first.
   */
  run(job: TrialJob): Promise<TrialResult | null> {
    if (this.closing) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.queue.push({ job, resolve });
      this.pump();
    });
  }

  private pump(): void {
    while (!this.closing && this.queue.length) {
      let worker = [...this.workers].find((w) => !w.running);
      if (!worker) {
        if (this.workers.size >= this.opts.size) return;
        worker = this.spawn();
      }
      const { job, resolve } = this.queue.shift()!;
      worker.running = { job, resolve, startedAt: Date.now(), final: { step: 0 }, lastStep: -1, metrics: 0 };
      const req: RunRequest = { type: 'run', backend: this.opts.backend, data: this.opts.data, job };
      worker.child.send(req);
      this.opts.onStart?.(job);
    }
  }

  private spawn(): Worker {
    const out = this.opts.inheritOutput ? 'inherit' : 'pipe';
    const child = fork(this.opts.entry, [], { stdio: ['ignore', out, out, 'ipc'], execArgv: [], serialization: 'json' });
    let onExit!: () => void;
    const worker: Worker = { child, tail: [], exited: new Promise((r) => (onExit = r)) };
    child.stdout?.resume(); // discard: a trainer's console output must not break the progress bar
    child.stderr?.setEncoding('utf8').on('data', (s: string) => {
      for (const line of s.split('\n')) if (line.trim()) worker.tail.push(line.trim());
      if (worker.tail.length > TAIL_LINES) worker.tail.splice(0, worker.tail.length - TAIL_LINES);
    });
    child.on('message', (m: unknown) => this.onReport(worker, m));
    let ended = false;
    const end = (how: string) => {
      if (ended) return;
      ended = true;
      this.workers.delete(worker);
      onExit();
      const r = worker.running;
      worker.running = undefined;
      if (r) r.resolve(this.closing ? null : crashResult(r, how, worker.tail));
      this.pump();
    };
    child.on('exit', (code, signal) => end(signal ? `signal ${signal}` : `exit code ${code}`));
    child.on('error', (err) => {
      end(`error: ${err.message}`);
      child.kill('SIGKILL');
    });
    this.workers.add(worker);
    return worker;
  }

  /** Drops a report: counted and logged by the runner; kept for the failure message, should the worker then die. */
  private reject(worker: Worker, r: Running, reason: RejectReason, problem: string): void {
    worker.tail.push(`dropped a ${reason} message of trial ${r.job.trialId}: ${problem}`);
    if (worker.tail.length > TAIL_LINES) worker.tail.splice(0, worker.tail.length - TAIL_LINES);
    this.opts.onRejected?.(reason, problem, r.job);
  }

  private onReport(worker: Worker, raw: unknown): void {
    const r = worker.running;
    if (!r) return;
    const m = raw as Partial<WorkerReport> | null;
    if (m?.type === 'bus') {
      const { message: msg, reason, problem } = parseBusMessage((m as { message?: unknown }).message);
      if (!msg) return this.reject(worker, r, reason, problem);
      // A worker runs one trial at a time: anything else it reports is not that trial's.
      if (msg.sweepId !== r.job.sweepId || msg.trialId !== r.job.trialId) return this.reject(worker, r, 'id-mismatch', 'sweepId/trialId differ from the trial the worker runs');
      if (!isEvent(msg)) {
        if (msg.step <= r.lastStep) return this.reject(worker, r, 'step-not-increasing', `step ${msg.step} after step ${r.lastStep}`);
        if (r.metrics >= MAX_METRICS_PER_ATTEMPT) return this.reject(worker, r, 'too-many-steps', `more than ${MAX_METRICS_PER_ATTEMPT} evaluation points`);
        r.lastStep = msg.step;
        r.metrics++;
      }
      if (isEvent(msg)) {
        if (msg.event === 'started') {
          r.backend = msg.backend;
          r.lrConvention = msg.lrConvention;
        }
      } else {
        r.final = { ...r.final, step: msg.step, trainLoss: msg.trainLoss, testLoss: msg.testLoss, accuracy: msg.accuracy };
      }
      this.opts.onMessage(msg);
    } else if (m?.type === 'result') {
      worker.running = undefined;
      const result = (m as { result?: unknown }).result;
      const problem = resultProblem(result, r.job.trialId);
      if (problem) {
        // The trial ends either way; what it reported cannot be recorded, so it failed.
        this.reject(worker, r, problem.reason, problem.text);
        r.resolve({ ...crashResult(r, '', []), error: `the worker reported a malformed result (${problem.text})` });
      } else {
        r.resolve(result as TrialResult);
      }
      this.pump();
    } else {
      this.reject(worker, r, 'bad-field', 'not a worker report');
    }
  }

  /**
   * Stops everything: queued trials resolve null, running ones are killed (SIGTERM, then
   * SIGKILL after the grace period) and resolve null. Resolves when every process has exited.
   */
  async close(): Promise<void> {
    this.closing = true;
    for (const q of this.queue.splice(0)) q.resolve(null);
    const workers = [...this.workers];
    for (const w of workers) {
      const r = w.running;
      w.running = undefined;
      r?.resolve(null);
      if (w.child.connected) w.child.disconnect();
      w.child.kill('SIGTERM');
    }
    const timer = setTimeout(() => {
      for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    }, this.opts.killAfterMs ?? 3000);
    await Promise.all(workers.map((w) => w.exited));
    clearTimeout(timer);
  }
}

/** Why a worker's `result` cannot be recorded for `trialId`, if it cannot. */
function resultProblem(raw: unknown, trialId: string): { reason: RejectReason; text: string } | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { reason: 'not-object', text: 'result: not an object' };
  const res = raw as Partial<Record<keyof TrialResult, unknown>>;
  if (res.trialId !== trialId) return { reason: 'id-mismatch', text: 'result: trialId differs from the trial the worker runs' };
  if (!(OUTCOMES as readonly unknown[]).includes(res.outcome)) return { reason: 'bad-field', text: 'result.outcome: not an outcome' };
  if (typeof res.step !== 'number' || !Number.isInteger(res.step) || res.step < 0) return { reason: 'bad-number', text: 'result.step: must be a non-negative integer' };
  if (typeof res.final !== 'object' || res.final === null) return { reason: 'bad-field', text: 'result.final: not an object' };
  return undefined;
}

function crashResult(r: Running, how: string, tail: string[]): TrialResult {
  const last = tail.length ? `: ${tail[tail.length - 1]}` : '';
  return {
    trialId: r.job.trialId,
    outcome: 'failed',
    step: r.final.step,
    error: `worker process died (${how})${last}`,
    final: r.final,
    backend: r.backend ?? 'unknown',
    lrConvention: r.lrConvention ?? 'unknown',
    durationMs: Date.now() - r.startedAt,
  };
}
