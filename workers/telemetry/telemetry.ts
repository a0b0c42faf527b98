// createTelemetry: the registry, every sweep series and (optionally) the /metrics endpoint of
// one process, with typed methods for the code that observes trials and sweeps, and `hooks`,
// the same calls shaped as the orchestrator's TelemetryHooks seam (activities/telemetry.ts).
import type { Registry } from 'prom-client';
import type { TelemetryHooks } from '../../activities/telemetry.js';
import type { Outcome } from '../../core/outcome.js';
import type { RejectReason } from '../../core/message-schema.js';
import { LiveTrialGauges, type LiveValues } from './live.js';
import { NightlyGauges, type NightlyRun } from './nightly.js';
import { OperationalMetrics, type Stream } from './operational.js';
import { RecentKeys } from './recent.js';
import { scheduledRun, type PreviousRunLookup } from './scheduled.js';
import { countSeries, createRegistry } from './registry.js';
import { SweepScienceGauges } from './science.js';
import { startMetricsServer, type MetricsServer } from './server.js';
import type { WebConfig } from './web-config.js';

export interface TelemetryOptions {
  /** `service` label of every series: orchestrator, aggregator, embedded, ... */
  service: string;
  /** further labels on every series */
  labels?: Record<string, string>;
  /** serve /metrics on this port (0: any free port); no server when absent */
  port?: number;
  /** address to bind (default 127.0.0.1) */
  host?: string;
  /** TLS and headers of the endpoint (--web-config) */
  web?: WebConfig;
  /** sweeps whose per-sweep series are kept (least recently active evicted first); default 10 */
  keepSweeps?: number;
  /** nightly schedules kept; default 20 */
  keepSchedules?: number;
  /** running trials with live series at most; default 2000 */
  maxLiveTrials?: number;
  /** a running trial that reports nothing for this long loses its live series; default 1 h */
  liveTtlMs?: number;
  /** register Node.js process metrics; default true */
  processMetrics?: boolean;
  /** finds the previous run of a schedule this process has not seen (after a restart) */
  previousRun?: PreviousRunLookup;
  /** clock (tests) */
  now?: () => number;
}

/** The orchestrator's TelemetryHooks, all implemented, and the nightly call it does not have. */
export interface SweepTelemetryHooks extends TelemetryHooks {
  apiError(kind: string): void;
  /** a nightly sweep of `schedule` was analysed (see NightlyGauges) */
  nightlyAnalyzed(info: { schedule: string; sweepId: string; summary: unknown; previous?: NightlyRun }): void;
}

export interface Telemetry {
  readonly registry: Registry;
  readonly hooks: SweepTelemetryHooks;
  /** the /metrics endpoint, when a port was given */
  readonly server: MetricsServer | undefined;
  trialStarted(sweep: string, trial: string, attempt?: number): void;
  trialFinished(sweep: string, trial: string, outcome: Outcome, durationSec: number, attempt?: number): void;
  attemptFailed(sweep: string, trial: string, attempt: number, kind: string, retryable: boolean): void;
  podPending(sweep: string, trial: string, attempt: number, sinceMs?: number): void;
  podStarted(sweep: string, trial: string, attempt: number, timeToStartSec: number): void;
  metricsIngested(n: number, stream?: Stream): void;
  consumerLag(n: number, stream?: Stream): void;
  apiError(kind: string): void;
  messageRejected(reason: RejectReason): void;
  liveMetric(sweep: string, trial: string, values: LiveValues): void;
  trialEnded(sweep: string, trial: string): void;
  sweepSummary(sweep: string, summary: unknown): void;
  nightlyRun(schedule: string, current: NightlyRun, previous?: NightlyRun): void;
  /**
   * A sweep was analysed: its per-sweep science series, and when it is a run of a schedule
   * (`<schedule>-<RFC 3339 time>`), the schedule's current/previous pair. Resolves once the
   * previous run was looked up (if it had to be).
   */
  sweepAnalyzed(sweepId: string, summary: unknown): Promise<void>;
  /** sets how the previous run of a schedule is found when this process did not see it */
  setPreviousRunLookup(lookup: PreviousRunLookup | undefined): void;
  /** series a scrape returns now */
  seriesCount(): Promise<number>;
  /** sweeps whose per-sweep series are held, least recently active first */
  recentSweeps(): string[];
  close(): Promise<void>;
}

export async function createTelemetry(opts: TelemetryOptions): Promise<Telemetry> {
  const now = opts.now ?? Date.now;
  const registry = createRegistry({ service: opts.service, labels: opts.labels, processMetrics: opts.processMetrics });
  const ops = new OperationalMetrics(registry, now);
  const live = new LiveTrialGauges(registry, { maxTrials: opts.maxLiveTrials ?? 2000, ttlMs: opts.liveTtlMs ?? 3_600_000, now });
  const science = new SweepScienceGauges(registry);
  const nightly = new NightlyGauges(registry);
  const sweeps = new RecentKeys(opts.keepSweeps ?? 10, (sweep) => {
    ops.dropSweep(sweep);
    live.dropSweep(sweep);
    science.dropSweep(sweep);
  });
  let lookup = opts.previousRun;
  /** scheduled time of the latest run recorded per schedule: an older run analysed late is not "tonight" */
  const latestRun = new Map<string, number>();
  const schedules = new RecentKeys(opts.keepSchedules ?? 20, (schedule) => {
    nightly.dropSchedule(schedule);
    latestRun.delete(schedule);
  });
  const server = opts.port === undefined ? undefined : await startMetricsServer(registry, { port: opts.port, host: opts.host, ...(opts.web ? { web: opts.web } : {}) });

  const t: Omit<Telemetry, 'hooks'> = {
    registry,
    server,
    trialStarted(sweep, trial, attempt = 1) {
      sweeps.touch(sweep);
      ops.trialStarted(sweep, trial, attempt);
    },
    trialFinished(sweep, trial, outcome, durationSec, attempt = 1) {
      sweeps.touch(sweep);
      ops.trialFinished(sweep, trial, outcome, durationSec, attempt);
      live.end(sweep, trial);
    },
    attemptFailed(sweep, trial, attempt, kind, retryable) {
      ops.attemptFailed(sweep, trial, attempt, kind, retryable);
    },
    podPending(sweep, trial, attempt, sinceMs) {
      ops.podPending(sweep, trial, attempt, sinceMs);
    },
    podStarted(sweep, trial, attempt, timeToStartSec) {
      ops.podStarted(sweep, trial, attempt, timeToStartSec);
    },
    metricsIngested: (n, stream) => ops.metricsIngested(n, stream),
    consumerLag: (n, stream) => ops.consumerLag(n, stream),
    apiError: (kind) => ops.apiError(kind),
    messageRejected: (reason) => ops.messageRejected(reason),
    liveMetric(sweep, trial, values) {
      sweeps.touch(sweep);
      live.set(sweep, trial, values);
    },
    trialEnded: (sweep, trial) => live.end(sweep, trial),
    sweepSummary(sweep, summary) {
      sweeps.touch(sweep);
      science.record(sweep, summary, now());
    },
    nightlyRun(schedule, current, previous) {
      schedules.touch(schedule);
      nightly.record(schedule, current, now(), previous);
    },
    async sweepAnalyzed(sweepId, summary) {
      t.sweepSummary(sweepId, summary);
      const run = scheduledRun(sweepId);
      if (!run) return;
      const latest = latestRun.get(run.schedule);
      if (latest !== undefined && run.timeMs < latest) return;
      let previous: NightlyRun | undefined;
      if (!nightly.has(run.schedule) && lookup) {
        try {
          previous = await lookup(run.schedule, sweepId);
        } catch {
          // the store is unreachable: tonight's values are exported without a previous run
        }
      }
      latestRun.set(run.schedule, run.timeMs);
      t.nightlyRun(run.schedule, { sweepId, summary }, previous);
    },
    setPreviousRunLookup(fn) {
      lookup = fn;
    },
    seriesCount: () => countSeries(registry),
    recentSweeps: () => sweeps.keys(),
    async close() {
      await server?.close();
    },
  };
  return { ...t, hooks: telemetryHooks(t, now) };
}

/** The typed calls shaped as the orchestrator worker's and aggregator's hook seam. */
function telemetryHooks(t: Omit<Telemetry, 'hooks'>, now: () => number): SweepTelemetryHooks {
  return {
    trialStarted: (i) => t.trialStarted(i.sweepId, i.trialId, i.attempt),
    trialFinished: (i) => t.trialFinished(i.sweepId, i.trialId, i.outcome, i.durationMs / 1000, i.attempt),
    trialAttemptFailed: (i) => t.attemptFailed(i.sweepId, i.trialId, i.attempt, i.kind, i.retryable),
    trialPhase(i) {
      const phase = i.phase.toLowerCase();
      if (PENDING_PHASES.has(phase)) t.podPending(i.sweepId, i.trialId, i.attempt, now() - i.sinceLaunchMs);
      else if (STARTED_PHASES.has(phase)) t.podStarted(i.sweepId, i.trialId, i.attempt, i.sinceLaunchMs / 1000);
    },
    sweepAnalyzed: (sweepId, summary) => void t.sweepAnalyzed(sweepId, summary),
    ingested: (stream, count) => t.metricsIngested(count, stream),
    consumerLag: (stream, pending) => t.consumerLag(pending, stream),
    trialSummary(s) {
      if (s.status !== 'running') t.trialEnded(s.sweepId, s.trialId);
      else if (s.latest) t.liveMetric(s.sweepId, s.trialId, s.latest);
    },
    metric: (m) => t.liveMetric(m.sweepId, m.trialId, m),
    apiError: (kind) => t.apiError(kind),
    messageRejected: (reason) => t.messageRejected(reason),
    nightlyAnalyzed: (i) => t.nightlyRun(i.schedule, { sweepId: i.sweepId, summary: i.summary }, i.previous),
  };
}

/** Executor phases of an attempt waiting for its pod (Job created, queued, pod pending). */
const PENDING_PHASES = new Set(['creating', 'queued', 'pending']);
/** Phases that mean the pod started (it may succeed before a Running is seen); a Failed pod only ends the wait. */
const STARTED_PHASES = new Set(['running', 'succeeded']);
