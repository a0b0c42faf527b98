// A pool of worker processes for the embedded runner. Trials run in child processes (not
// threads) so a trial that crashes its process — out of memory, a native abort — costs only
// that trial (or the unfinished members of its pack), and stopping the sweep is as simple as
// ending the processes.
import { fork, type ChildProcess } from 'node:child_process';
import type { BackendConfig } from '../../core/config/trial.js';
import { isEvent, type BusMessage, type FinalMetrics, type TrialEvent } from '../../core/messages.js';
import { OUTCOMES, outcomeOfEvent, type Outcome, type TrialResult } from '../../core/outcome.js';
import { parseBusMessage, type RejectReason } from '../../core/message-schema.js';
import { MAX_EVAL_POINTS } from '../../core/config/bounds.js';
import type { TrialJob, WorkerReport, WorkerRequest } from './protocol.js';
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

/** One trial of the batch a worker runs (a single trial, or a member of a pack). */
interface Member {
  job: TrialJob;
  resolve(r: PoolRun | null): void;
  /** resolved: by its terminal event, its result report, the worker's death or close() */
  settled: boolean;
  backend?: string;
  lrConvention?: string;
  final: FinalMetrics;
  /** step of the last metric message accepted (-1: none yet), and how many were */
  lastStep: number;
  metrics: number;
}

interface Running {
  members: Member[];
  byId: Map<string, Member>;
  sweepId: string;
  /** index of the member whose result report comes next (results arrive in member order) */
  next: number;
  startedAt: number;
}

/** What running a trial in the pool produced. */
export interface PoolRun {
  result: TrialResult;
  /** the worker process died before the trial ended; `result` is a `failed` result saying how */
  workerDied?: boolean;
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

function settle(m: Member, run: PoolRun | null): void {
  if (m.settled) return;
  m.settled = true;
  m.resolve(run);
}

export class WorkerPool {
  private readonly queue: Member[][] = [];
  private readonly workers = new Set<Worker>();
  private closing = false;

  constructor(private readonly opts: PoolOptions) {}

  /** Workers currently running a trial or a pack. */
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
  async run(job: TrialJob): Promise<TrialResult | null> {
    const run = await this.runPack([job])[0];
    return run && run.result;
  }

  /**
   * Runs `jobs` as one pack in the next free worker (one job: as a single trial). Each member's
   * promise resolves as soon as that member ends — at its terminal event, so members that end
   * before a crash keep their results — with `workerDied` on the members the worker's death
   * cut short, or with null if the pool was closed first.
   */
  runPack(jobs: readonly TrialJob[]): Promise<PoolRun | null>[] {
    if (this.closing) return jobs.map(() => Promise.resolve(null));
    const members: Member[] = [];
    const runs = jobs.map((job) => new Promise<PoolRun | null>((resolve) => {
      members.push({ job, resolve, settled: false, final: { step: 0 }, lastStep: -1, metrics: 0 });
    }));
    if (members.length) {
      this.queue.push(members);
      this.pump();
    }
    return runs;
  }

  private pump(): void {
    while (!this.closing && this.queue.length) {
      let worker = [...this.workers].find((w) => !w.running);
      if (!worker) {
        if (this.workers.size >= this.opts.size) return;
        worker = this.spawn();
      }
      const members = this.queue.shift()!;
      worker.running = { members, byId: new Map(members.map((m) => [m.job.trialId, m])), sweepId: members[0].job.sweepId, next: 0, startedAt: Date.now() };
      const { backend, data } = this.opts;
      // a single trial keeps the one-trial request, so a pack of one is exactly an unpacked trial
      const req: WorkerRequest = members.length === 1
        ? { type: 'run', backend, data, job: members[0].job }
        : { type: 'pack', backend, data, jobs: members.map((m) => m.job) };
      worker.child.send(req);
      for (const m of members) this.opts.onStart?.(m.job);
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
      for (const m of r?.members ?? []) {
        settle(m, this.closing ? null : { result: crashResult(m, r!.startedAt, how, worker.tail), workerDied: true });
      }
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
  private reject(worker: Worker, job: TrialJob, reason: RejectReason, problem: string): void {
    worker.tail.push(`dropped a ${reason} message of trial ${job.trialId}: ${problem}`);
    if (worker.tail.length > TAIL_LINES) worker.tail.splice(0, worker.tail.length - TAIL_LINES);
    this.opts.onRejected?.(reason, problem, job);
  }

  private onReport(worker: Worker, raw: unknown): void {
    const r = worker.running;
    if (!r) return;
    // a report that names no member of the batch is charged to the member running now
    const current = r.members.find((m) => !m.settled) ?? r.members[r.members.length - 1];
    const m = raw as Partial<WorkerReport> | null;
    if (m?.type === 'bus') {
      const { message: msg, reason, problem } = parseBusMessage((m as { message?: unknown }).message);
      if (!msg) return this.reject(worker, current.job, reason, problem);
      // A worker runs one trial or one pack at a time: anything else it reports is not theirs.
      const member = msg.sweepId === r.sweepId ? r.byId.get(msg.trialId) : undefined;
      if (!member) return this.reject(worker, current.job, 'id-mismatch', 'sweepId/trialId differ from the trials the worker runs');
      if (member.settled) return this.reject(worker, member.job, 'id-mismatch', 'a message of a trial that has ended');
      if (!isEvent(msg)) {
        if (msg.step <= member.lastStep) return this.reject(worker, member.job, 'step-not-increasing', `step ${msg.step} after step ${member.lastStep}`);
        if (member.metrics >= MAX_METRICS_PER_ATTEMPT) return this.reject(worker, member.job, 'too-many-steps', `more than ${MAX_METRICS_PER_ATTEMPT} evaluation points`);
        member.lastStep = msg.step;
        member.metrics++;
        member.final = { ...member.final, step: msg.step, trainLoss: msg.trainLoss, testLoss: msg.testLoss, accuracy: msg.accuracy };
        this.opts.onMessage(msg);
        return;
      }
      if (msg.event === 'started') {
        member.backend = msg.backend;
        member.lrConvention = msg.lrConvention;
      }
      this.opts.onMessage(msg);
      // its terminal event ends the trial: what it says is its result (runTrial builds both alike)
      const outcome = outcomeOfEvent(msg.event);
      if (outcome) settle(member, { result: resultOfEvent(member, r.startedAt, outcome, msg) });
    } else if (m?.type === 'result') {
      const member = r.members[r.next++];
      if (!member) return this.reject(worker, current.job, 'id-mismatch', 'a result after every trial the worker runs reported one');
      const result = (m as { result?: unknown }).result;
      const problem = resultProblem(result, member.job.trialId);
      if (problem) {
        // The trial ends either way; what it reported cannot be recorded, so it failed.
        this.reject(worker, member.job, problem.reason, problem.text);
        settle(member, { result: { ...crashResult(member, r.startedAt, '', []), error: `the worker reported a malformed result (${problem.text})` } });
      } else {
        settle(member, { result: result as TrialResult });
      }
      if (r.next >= r.members.length) {
        worker.running = undefined;
        this.pump();
      }
    } else {
      this.reject(worker, current.job, 'bad-field', 'not a worker report');
    }
  }

  /**
   * Stops everything: queued trials resolve null, running ones are killed (SIGTERM, then
   * SIGKILL after the grace period) and resolve null. Resolves when every process has exited.
   */
  async close(): Promise<void> {
    this.closing = true;
    for (const batch of this.queue.splice(0)) for (const m of batch) settle(m, null);
    const workers = [...this.workers];
    for (const w of workers) {
      const r = w.running;
      w.running = undefined;
      for (const m of r?.members ?? []) settle(m, null);
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

/** A trial's result from its terminal event and its `started` event, as runTrial builds it. */
function resultOfEvent(m: Member, startedAt: number, outcome: Outcome, e: TrialEvent): TrialResult {
  const result: TrialResult = {
    trialId: m.job.trialId,
    outcome,
    step: e.step ?? m.final.step,
    final: e.final ?? m.final,
    backend: e.backend ?? m.backend ?? 'unknown',
    lrConvention: m.lrConvention ?? 'unknown',
    durationMs: e.durationMs ?? Date.now() - startedAt,
  };
  if (e.continual) result.continual = e.continual;
  if (e.giantStep) result.giantStep = e.giantStep;
  if (e.error !== undefined) result.error = e.error;
  if (e.divergence) result.divergence = e.divergence;
  return result;
}

function crashResult(m: Member, startedAt: number, how: string, tail: string[]): TrialResult {
  const last = tail.length ? `: ${tail[tail.length - 1]}` : '';
  return {
    trialId: m.job.trialId,
    outcome: 'failed',
    step: m.final.step,
    error: `worker process died (${how})${last}`,
    final: m.final,
    backend: m.backend ?? 'unknown',
    lrConvention: m.lrConvention ?? 'unknown',
    durationMs: Date.now() - startedAt,
  };
}
