// The typed client of the cluster mode: submit, query, watch, pause, cancel and report sweeps,
// and manage recurring sweeps. The `sweep` CLI is a thin layer over this class; platform teams
// use it from their own TypeScript (CI jobs, portals) through the package's "./client" export.
import { Client, WorkflowNotFoundError, type WorkflowHandle, type Connection } from '@temporalio/client';
import type { NatsConnection } from '@nats-io/transport-node';
import { parseSpecText, readSpecText, resolveSpec, type AnyResolvedSweep } from '../core/config/spec.js';
import type { sweepWorkflow } from '../workflows/sweep.js';
import type { SweepInput, SweepOptions, SweepProgress, SweepResult } from '../workflows/types.js';
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
  startTime: Date;
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
}

export class SweepNotFound extends Error {}

export class SweepClient {
  private nc: Promise<NatsConnection> | undefined;

  private constructor(readonly settings: ClusterSettings, readonly connection: Connection, readonly temporal: Client) {}

  static async connect(input: SettingsInput = {}): Promise<SweepClient> {
    const settings = resolveSettings(input);
    const connection = await connectTemporal(settings.temporalAddress, settings.connectTimeoutMs);
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
    const input: SweepInput = { spec: document, ...(opts.options ? { options: opts.options } : {}) };
    await this.temporal.workflow.start<typeof sweepWorkflow>('sweepWorkflow', {
      workflowId: sweepId,
      taskQueue: this.settings.taskQueue,
      args: [input],
    });
    return { sweepId, name: resolved.spec.name, trials: resolved.plans.length };
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
    const st: SweepStatus = { sweepId, status: d.status.name as WorkflowStatusName, startTime: d.startTime };
    if (d.closeTime) st.closeTime = d.closeTime;
    if (st.status === 'COMPLETED') {
      st.result = await h.result();
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
    const ms = opts.queryTimeoutMs ?? 5000;
    // the timeout cancels the query's gRPC call itself (a query no worker answers would wait)
    const timeout = AbortSignal.timeout(ms);
    try {
      st.progress = await this.temporal.withAbortSignal(timeout, () => h.query(progressQuery));
    } catch (err) {
      const why = timeout.aborted ? `no answer within ${ms} ms` : firstLine(err);
      st.note = st.status === 'RUNNING'
        ? `no worker answered (is an orchestrator worker polling task queue ${this.settings.taskQueue}?): ${why}`
        : `progress unavailable: ${why}`;
    }
    return st;
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
   * With `wait`, resolves once the sweep has ended, i.e. every trial has stopped.
   */
  async cancel(sweepId: string, opts: { wait?: boolean } = {}): Promise<void> {
    const h = this.handle(sweepId);
    try {
      await h.cancel();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new SweepNotFound(`no running sweep with id ${sweepId}`);
      throw err;
    }
    if (opts.wait) await h.result().catch(() => undefined);
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
