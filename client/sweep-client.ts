// The typed client of the cluster mode: submit, query, watch, pause, cancel and report sweeps,
// and manage recurring sweeps. The `sweep` CLI is a thin layer over this class; platform teams
// use it from their own TypeScript (CI jobs, portals) through the package's "./client" export.
import { Client, WorkflowNotFoundError, type WorkflowHandle, type Connection } from '@temporalio/client';
import type { NatsConnection } from '@nats-io/transport-node';
import { parseSpecText, readSpecText, resolveSpec, type AnyResolvedSweep } from '../core/config/spec.js';
import type { sweepWorkflow } from '../workflows/sweep.js';
import { WORKFLOW_TASK_TIMEOUT_MS, type SweepInput, type SweepMemo, type SweepOptions, type SweepProgress, type SweepResult } from '../workflows/types.js';
import { specHash } from '../core/spec-hash.js';
import { PlanStore } from '../store/plans.js';
import { pauseSignal, progressQuery, resumeSignal } from '../workflows/definitions.js';
import { errorMessage, firstLine } from '../core/error-message.js';
import { pause } from '../core/sleep.js';
import { connectNats } from '../store/connect.js';
import type { TrialSummary } from '../store/trial-summary.js';
import { connectTemporal } from './connect.js';
import { checkSweepId, newSweepId } from './ids.js';
import { downloadReport, type ReportResult } from './report.js';
import { readTrialSummaries } from '../store/trial-summaries.js';
import { createSchedule, deleteSchedule, describeSchedule, listSchedules, triggerSchedule, type ScheduleInfo } from './schedules.js';
import { resolveSettings, type ClusterSettings, type SettingsInput } from './settings.js';

export type WorkflowStatusName = 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TERMINATED' | 'CONTINUED_AS_NEW' | 'TIMED_OUT' | 'UNKNOWN' | 'PAUSED' | 'UNSPECIFIED';

export interface SweepStatus {
  sweepId: string;
  /** Temporal's status of the sweep's latest run */
  status: WorkflowStatusName;
  /** when the sweep's first run started (its duration spans every continue-as-new run) */
  startTime: Date;
  /** the task queue the sweep runs on (its workers poll it) */
  taskQueue: string;
  /**
   * trials the workers polling the sweep's task queue run at once (the sum of their
   * --max-trials), when fewer than the trials in flight: the rest wait for a slot
   */
  trialSlots?: number;
  closeTime?: Date;
  /** live progress (from the workflow) or, once it has ended, its final numbers */
  progress?: SweepProgress;
  /** set when the sweep completed */
  result?: SweepResult;
  /** why progress is missing (e.g. no worker answered the query) */
  note?: string;
  /** failure message of a failed sweep */
  failure?: string;
}

export interface SubmitSpec {
  /** spec text (YAML or JSON) with its file name for messages, or an already parsed document */
  text?: string;
  source?: string;
  document?: unknown;
}

export interface SubmitOptions {
  /** accept sweeps above the confirmation threshold */
  yes?: boolean;
  /** use this sweep id instead of a generated one */
  sweepId?: string;
  options?: SweepOptions;
}

export interface Submitted {
  sweepId: string;
  name: string;
  /** trials planned at submission (grid size or random sample) */
  trials: number;
  specHash: string;
  /**
   * set when the id already held this same spec: nothing was started, and this is the
   * status of the existing sweep ('PLANNED' when only its plan is left, its workflow gone)
   */
  existing?: WorkflowStatusName | 'PLANNED';
}

export class SweepNotFound extends Error {}

/** `--id` names a sweep planned with another spec: refused, the old plan is never rerun. */
export class SweepIdReused extends Error {
  constructor(readonly sweepId: string, readonly storedHash: string, readonly newHash: string) {
    super(`sweep id ${sweepId} already holds spec ${storedHash}; this spec is ${newHash}: choose another --id (or omit it)`);
  }
}

/** What `cancel` did: `noWorker` when nothing polls the sweep's task queue to carry it out yet. */
export interface CancelResult {
  taskQueue: string;
  noWorker: boolean;
}

/** The sweeps on the server, newest first (`sweep list`). */
export interface SweepListEntry {
  sweepId: string;
  status: WorkflowStatusName;
  startTime: Date;
  closeTime?: Date;
  taskQueue: string;
}

/** gRPC's NOT_FOUND (grpc-js is not a dependency of ours). */
const GRPC_NOT_FOUND = 5;
const QUERY_TIMEOUT_MS = 5000;
/** temporal.api.enums.v1.TaskQueueType (the proto package is CommonJS without named exports) */
const TASK_QUEUE_TYPE_WORKFLOW = 1;
const TASK_QUEUE_TYPE_ACTIVITY = 2;

export class SweepClient {
  private nc: Promise<NatsConnection> | undefined;

  private constructor(readonly settings: ClusterSettings, readonly connection: Connection, readonly temporal: Client) {}

  static async connect(input: SettingsInput = {}): Promise<SweepClient> {
    const settings = resolveSettings(input);
    const connection = await connectTemporal(settings.temporalAddress, settings.connectTimeoutMs, settings.temporalCredentials);
    const client = new Client({ connection, namespace: settings.namespace });
    return new SweepClient(settings, connection, client);
  }

  /** NATS is needed only for results (report, trial summaries); connected on first use. */
  nats(): Promise<NatsConnection> {
    this.nc ??= connectNats({ servers: this.settings.natsServers, name: 'sweep-client', timeoutMs: this.settings.connectTimeoutMs, auth: this.settings.natsAuth });
    return this.nc;
  }

  async close(): Promise<void> {
    const nc = this.nc;
    this.nc = undefined;
    if (nc) await (await nc.catch(() => undefined))?.close();
    await this.connection.close();
  }

  /** Reads and validates a spec file (ConfigError listing every problem). */
  static async readSpec(file: string): Promise<SubmitSpec> {
    return { text: await readSpecText(file), source: file };
  }

  /** Validates a spec (nothing is started when it is invalid) and returns the document and its plan. */
  static validate(spec: SubmitSpec, yes = false): { document: unknown; resolved: AnyResolvedSweep } {
    const document = spec.document !== undefined ? spec.document : parseSpecText(spec.text ?? '', spec.source);
    // a command trainer runs on the local and Kubernetes executors (docs/trainer-protocol.md)
    const resolved = resolveSpec(document, { source: spec.source, yes, commandTrainer: true });
    return { document, resolved };
  }

  async submit(spec: SubmitSpec, opts: SubmitOptions = {}): Promise<Submitted> {
    const { document, resolved } = SweepClient.validate(spec, opts.yes);
    const sweepId = checkSweepId(opts.sweepId ?? newSweepId(resolved.spec.name));
    const hash = specHash(document);
    const out: Submitted = { sweepId, name: resolved.spec.name, trials: resolved.plans.length, specHash: hash };
    if (opts.sweepId !== undefined) {
      // A chosen id may name an earlier sweep: the same spec is a no-op, another one is refused.
      const prior = await this.priorSpec(sweepId);
      if (prior) {
        if (prior.hash !== hash) throw new SweepIdReused(sweepId, prior.hash, hash);
        return { ...out, existing: prior.status };
      }
    }
    const input: SweepInput = { spec: document, ...(opts.options ? { options: opts.options } : {}) };
    const memo: SweepMemo = { specHash: hash };
    await this.temporal.workflow.start<typeof sweepWorkflow>('sweepWorkflow', {
      workflowId: sweepId,
      taskQueue: this.settings.taskQueue,
      args: [input],
      memo: memo as Record<string, unknown>,
      workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT_MS,
    });
    return out;
  }

  /**
   * The spec hash an existing sweep id is bound to: its stored plan's (what a rerun would
   * execute), else the running workflow's memo; undefined for an unused id.
   */
  private async priorSpec(sweepId: string): Promise<{ hash: string; status: WorkflowStatusName | 'PLANNED' } | undefined> {
    let status: WorkflowStatusName | undefined;
    let memoHash: string | undefined;
    try {
      const d = await this.handle(sweepId).describe();
      status = d.status.name as WorkflowStatusName;
      memoHash = (d.memo as SweepMemo | undefined)?.specHash;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    const stored = await (await PlanStore.open(await this.nats())).spec(sweepId);
    const hash = stored !== undefined ? specHash(stored) : memoHash;
    if (hash === undefined) {
      // a sweep of an older version (no memo) still planning: cannot tell, so do not start a second one
      if (status === 'RUNNING') throw new SweepIdReused(sweepId, 'unknown', '(not compared)');
      return undefined;
    }
    return { hash, status: status ?? 'PLANNED' };
  }

  private handle(sweepId: string): WorkflowHandle<typeof sweepWorkflow> {
    return this.temporal.workflow.getHandle<typeof sweepWorkflow>(checkSweepId(sweepId));
  }

  async status(sweepId: string, opts: { queryTimeoutMs?: number } = {}): Promise<SweepStatus> {
    const h = this.handle(sweepId);
    let d;
    try {
      d = await h.describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new SweepNotFound(`no sweep with id ${sweepId}`);
      throw err;
    }
    const memo = (d.memo ?? {}) as SweepMemo;
    // describe() is of the latest run; the memo (and the workflow's own state) hold the first run's start
    const firstStart = (ms: number | undefined) => (typeof ms === 'number' && ms < d.startTime.getTime() ? new Date(ms) : d.startTime);
    const st: SweepStatus = { sweepId, status: d.status.name as WorkflowStatusName, startTime: firstStart(memo.startedAt), taskQueue: d.taskQueue };
    if (d.closeTime) st.closeTime = d.closeTime;
    if (st.status === 'COMPLETED') {
      st.result = await h.result();
      st.startTime = firstStart(st.result.startedAt ?? memo.startedAt);
      st.progress = {
        sweepId, name: st.result.name, state: 'completed', planned: st.result.planned, searchDone: true,
        started: st.result.finished, finished: st.result.finished, counts: st.result.counts, inFlight: 0, running: [],
        parallelism: 0, round: 0, runs: st.result.runs,
      };
      return st;
    }
    if (st.status === 'FAILED') {
      try {
        await h.result();
      } catch (err) {
        // a WorkflowFailedError: its cause is the workflow's own failure
        st.failure = errorMessage((err as { cause?: unknown }).cause ?? err);
      }
    }
    const ms = opts.queryTimeoutMs ?? QUERY_TIMEOUT_MS;
    // the timeout cancels the query's gRPC call itself (a query no worker answers would wait)
    const timeout = AbortSignal.timeout(ms);
    try {
      st.progress = await this.temporal.withAbortSignal(timeout, () => h.query(progressQuery));
      st.startTime = firstStart(st.progress.startedAt ?? memo.startedAt);
    } catch (err) {
      const why = timeout.aborted ? `no answer within ${formatSeconds(ms)}` : firstLine(err);
      if (st.status !== 'RUNNING') st.note = `progress unavailable: ${why}`;
      else if ((await this.pollers(d.taskQueue, 'workflow')).length === 0) st.note = `no worker is polling task queue ${d.taskQueue} (start an orchestrator worker on it)`;
      else st.note = timeout.aborted ? `the worker on task queue ${d.taskQueue} is busy: it did not answer within ${formatSeconds(ms)}` : `progress unavailable: ${why}`;
    }
    if (st.status === 'RUNNING' && st.progress && st.progress.inFlight > 0) {
      const slots = await this.trialSlots(d.taskQueue);
      if (slots !== undefined && slots < st.progress.inFlight) st.trialSlots = slots;
    }
    return st;
  }

  /** Identities of the workers that polled the task queue lately (Temporal's DescribeTaskQueue). */
  async pollers(taskQueue: string, kind: 'workflow' | 'activity'): Promise<string[]> {
    const type = kind === 'workflow' ? TASK_QUEUE_TYPE_WORKFLOW : TASK_QUEUE_TYPE_ACTIVITY;
    try {
      const res = await this.connection.workflowService.describeTaskQueue({ namespace: this.settings.namespace, taskQueue: { name: taskQueue }, taskQueueType: type });
      return (res.pollers ?? []).map((p) => p.identity ?? '');
    } catch (err) {
      if ((err as { code?: unknown }).code === GRPC_NOT_FOUND) return [];
      throw err;
    }
  }

  /** Trials the workers on the queue run at once: the sum of the max-trials their identities carry. */
  private async trialSlots(taskQueue: string): Promise<number | undefined> {
    let sum = 0;
    let known = false;
    for (const id of new Set(await this.pollers(taskQueue, 'activity'))) {
      const n = maxTrialsOf(id);
      if (n === undefined) return undefined; // a worker that does not say: the sum is unknown
      sum += n;
      known = true;
    }
    return known ? sum : undefined;
  }

  /** Calls `onProgress` every `intervalMs` until the sweep ends; resolves with its last status. */
  async watch(sweepId: string, onProgress: (s: SweepStatus) => void, opts: { intervalMs?: number; signal?: AbortSignal } = {}): Promise<SweepStatus> {
    for (;;) {
      const s = await this.status(sweepId);
      onProgress(s);
      if (s.status !== 'RUNNING' || opts.signal?.aborted) return s;
      await pause(opts.intervalMs ?? 1000, opts.signal);
    }
  }

  /** Waits for the sweep to end (following continue-as-new) and returns its result. */
  async wait(sweepId: string): Promise<SweepResult> {
    return this.handle(sweepId).result();
  }

  async pause(sweepId: string): Promise<void> {
    await this.handle(sweepId).signal(pauseSignal);
  }

  async resume(sweepId: string): Promise<void> {
    await this.handle(sweepId).signal(resumeSignal);
  }

  /**
   * Cancels the sweep: running trials are stopped (their trainer processes or Jobs removed).
   * With `wait`, resolves once the sweep has ended, i.e. every trial has stopped; when no worker
   * polls the sweep's task queue, nothing can carry the cancellation out yet, so it returns at
   * once with `noWorker` (the sweep stops when a worker comes).
   */
  async cancel(sweepId: string, opts: { wait?: boolean } = {}): Promise<CancelResult> {
    const h = this.handle(sweepId);
    let taskQueue: string;
    try {
      taskQueue = (await h.describe()).taskQueue;
      await h.cancel();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new SweepNotFound(`no running sweep with id ${sweepId}`);
      throw err;
    }
    const noWorker = (await this.pollers(taskQueue, 'workflow')).length === 0;
    if (opts.wait && !noWorker) await h.result().catch(() => undefined);
    return { taskQueue, noWorker };
  }

  /** Sweeps on the server (one entry per sweep, its latest run), newest first. */
  async list(opts: { limit?: number } = {}): Promise<SweepListEntry[]> {
    const out: SweepListEntry[] = [];
    const query = `WorkflowType = 'sweepWorkflow' AND ExecutionStatus != 'ContinuedAsNew'`;
    for await (const w of this.temporal.workflow.list({ query })) {
      const memo = (w.memo ?? {}) as SweepMemo;
      const start = typeof memo.startedAt === 'number' && memo.startedAt < w.startTime.getTime() ? new Date(memo.startedAt) : w.startTime;
      out.push({ sweepId: w.workflowId, status: w.status.name as WorkflowStatusName, startTime: start, ...(w.closeTime ? { closeTime: w.closeTime } : {}), taskQueue: w.taskQueue });
      if (opts.limit !== undefined && out.length >= opts.limit) break;
    }
    return out.sort((a, b) => b.startTime.getTime() - a.startTime.getTime());
  }

  /** Runs of the sweep's workflow (continue-as-new chain), oldest first, with their history length. */
  async runs(sweepId: string): Promise<Array<{ runId: string; status: string; historyLength: number }>> {
    const out: Array<{ runId: string; status: string; historyLength: number; start: number }> = [];
    for await (const w of this.temporal.workflow.list({ query: `WorkflowId = '${checkSweepId(sweepId)}'` })) {
      out.push({ runId: w.runId, status: w.status.name, historyLength: w.historyLength, start: w.startTime.getTime() });
    }
    return out.sort((a, b) => a.start - b.start).map(({ start: _s, ...r }) => r);
  }

  /** The aggregator's per-trial summaries (live loss, status) of a sweep. */
  async trialSummaries(sweepId: string): Promise<TrialSummary[]> {
    return readTrialSummaries(await this.nats(), checkSweepId(sweepId));
  }

  /**
   * Writes the sweep's output folder (trials.jsonl, metrics.jsonl, summary.json, report.html,
   * spec.json) into `dir`: the stored analysis when the sweep completed, otherwise one built
   * now from the results so far.
   */
  async report(sweepId: string, dir: string): Promise<ReportResult> {
    return downloadReport(await this.nats(), checkSweepId(sweepId), dir);
  }

  // ---- schedules ----

  async createSchedule(name: string, cron: string, spec: SubmitSpec, opts: { yes?: boolean; options?: SweepOptions } = {}): Promise<void> {
    const { document, resolved } = SweepClient.validate(spec, opts.yes);
    await createSchedule(this.temporal, this.settings.taskQueue, name, cron, { spec: document, ...(opts.options ? { options: opts.options } : {}) }, resolved.spec.name);
  }

  listSchedules(): Promise<ScheduleInfo[]> {
    return listSchedules(this.temporal);
  }

  describeSchedule(name: string): Promise<ScheduleInfo> {
    return describeSchedule(this.temporal, name);
  }

  deleteSchedule(name: string): Promise<void> {
    return deleteSchedule(this.temporal, name);
  }

  /** Fires the schedule now (skipped if its previous sweep still runs). */
  triggerSchedule(name: string): Promise<void> {
    return triggerSchedule(this.temporal, name);
  }
}

/** The worker identity's `max-trials=N` (set by the orchestrator worker, workers/orchestrator.ts). */
export function maxTrialsOf(identity: string): number | undefined {
  const m = /(?:^|\s)max-trials=(\d+)(?:\s|$)/.exec(identity);
  return m ? Number(m[1]) : undefined;
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
