// Operational series: trials by outcome, running attempts, pending pods and their time to
// start, trial durations, ingestion, consumer lag and API errors. Trial ids never appear as a
// label here; per-sweep label sets are removed when the sweep leaves the recent window.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { OUTCOMES, type Outcome } from '../../core/outcome.js';
import { REJECT_REASONS, type RejectReason } from '../../core/message-schema.js';
import { POD_START_BUCKETS, TRIAL_DURATION_BUCKETS } from './buckets.js';
import { OPS } from './names.js';
import { BoundedLabel } from './recent.js';

/** Most attempts tracked as pending or started at once; beyond it the oldest are forgotten. */
const MAX_TRACKED_ATTEMPTS = 10_000;

export type Stream = 'metrics' | 'events';

export class OperationalMetrics {
  readonly trials: Counter<'sweep' | 'outcome'>;
  readonly running: Gauge<'sweep'>;
  readonly duration: Histogram<'outcome'>;
  readonly attemptFailures: Counter<'kind' | 'retryable'>;
  readonly podsPending: Gauge;
  readonly podsPendingOldest: Gauge;
  readonly podStart: Histogram;
  readonly ingested: Counter<'stream'>;
  readonly lag: Gauge<'stream'>;
  readonly apiErrors: Counter<'kind'>;
  readonly rejected: Counter<'reason'>;

  /** attempts running now, per sweep */
  private readonly runningBySweep = new Map<string, Set<string>>();
  /** attempt → when it became pending (ms) */
  private readonly pending = new Map<string, number>();
  /** attempts whose time to start was observed (observed once per attempt) */
  private readonly started = new Set<string>();
  /** sweeps whose outcome counters exist (created at 0 so increase() sees the first trial) */
  private readonly known = new Set<string>();
  private readonly failureKinds = new BoundedLabel(30);
  private readonly apiKinds = new BoundedLabel(30);

  constructor(registry: Registry, private readonly now: () => number = Date.now) {
    const registers = [registry];
    this.trials = new Counter({ name: OPS.trials, help: 'Trials that ended, by sweep and outcome.', labelNames: ['sweep', 'outcome'], registers });
    this.running = new Gauge({ name: OPS.running, help: 'Trial attempts running now, by sweep.', labelNames: ['sweep'], registers });
    this.duration = new Histogram({ name: OPS.duration, help: 'Wall-clock duration of trial attempts that ended with an outcome.', labelNames: ['outcome'], buckets: TRIAL_DURATION_BUCKETS, registers });
    this.attemptFailures = new Counter({ name: OPS.attemptFailures, help: 'Trial attempts that failed for an infrastructure reason, by kind.', labelNames: ['kind', 'retryable'], registers });
    this.podsPending = new Gauge({
      name: OPS.podsPending, help: 'Trial pods waiting to start.', registers,
      collect: () => { this.podsPending.set(this.pending.size); },
    });
    this.podsPendingOldest = new Gauge({
      name: OPS.podsPendingOldest, help: 'Seconds the longest-waiting pending trial pod has waited (0 when none).', registers,
      collect: () => { this.podsPendingOldest.set(this.oldestPendingSeconds()); },
    });
    this.podStart = new Histogram({ name: OPS.podStart, help: 'Seconds from launching a trial attempt to its pod running.', buckets: POD_START_BUCKETS, registers });
    this.ingested = new Counter({ name: OPS.ingested, help: 'Bus messages stored into trial summaries, by stream.', labelNames: ['stream'], registers });
    this.lag = new Gauge({ name: OPS.lag, help: 'Messages stored in a stream but not yet aggregated.', labelNames: ['stream'], registers });
    this.apiErrors = new Counter({ name: OPS.apiErrors, help: 'Failed calls to the Kubernetes API (trial Jobs and their watches) and to NATS JetStream (aggregator), by kind.', labelNames: ['kind'], registers });
    this.rejected = new Counter({ name: OPS.rejected, help: 'Bus messages dropped as malformed or hostile, by reason.', labelNames: ['reason'], registers });
    for (const outcome of OUTCOMES) this.duration.zero({ outcome });
  }

  trialStarted(sweep: string, trial: string, attempt = 1): void {
    this.initSweep(sweep);
    let set = this.runningBySweep.get(sweep);
    if (!set) this.runningBySweep.set(sweep, (set = new Set()));
    set.add(attemptKey('', trial, attempt));
    this.running.set({ sweep }, set.size);
  }

  /** A trial ended with an outcome the sweep records (counted once per trial). */
  trialFinished(sweep: string, trial: string, outcome: Outcome, durationSec: number, attempt = 1): void {
    this.initSweep(sweep);
    this.trials.inc({ sweep, outcome });
    if (Number.isFinite(durationSec) && durationSec >= 0) this.duration.observe({ outcome }, durationSec);
    this.attemptEnded(sweep, trial, attempt);
  }

  /** An attempt failed for an infrastructure reason; the trial may be retried. */
  attemptFailed(sweep: string, trial: string, attempt: number, kind: string, retryable: boolean): void {
    this.attemptFailures.inc({ kind: this.failureKinds.value(kind), retryable: String(retryable) });
    this.attemptEnded(sweep, trial, attempt);
  }

  /** The attempt's pod is waiting to start, since `sinceMs` (default: now). */
  podPending(sweep: string, trial: string, attempt: number, sinceMs = this.now()): void {
    const key = attemptKey(sweep, trial, attempt);
    if (this.started.has(key) || this.pending.has(key)) return;
    this.pending.set(key, sinceMs);
    trim(this.pending);
  }

  /** The attempt's pod started running `timeToStartSec` after launch (observed once). */
  podStarted(sweep: string, trial: string, attempt: number, timeToStartSec: number): void {
    const key = attemptKey(sweep, trial, attempt);
    this.pending.delete(key);
    if (this.started.has(key)) return;
    this.started.add(key);
    trim(this.started);
    if (Number.isFinite(timeToStartSec) && timeToStartSec >= 0) this.podStart.observe(timeToStartSec);
  }

  metricsIngested(n: number, stream: Stream = 'metrics'): void {
    if (n > 0) this.ingested.inc({ stream }, n);
  }

  consumerLag(n: number, stream: Stream = 'metrics'): void {
    if (Number.isFinite(n) && n >= 0) this.lag.set({ stream }, n);
  }

  apiError(kind: string): void {
    this.apiErrors.inc({ kind: this.apiKinds.value(kind) });
  }

  /** A received message was dropped; `reason` is one of REJECT_REASONS (a closed label set). */
  messageRejected(reason: RejectReason): void {
    if ((REJECT_REASONS as readonly string[]).includes(reason)) this.rejected.inc({ reason });
  }

  /** Removes the sweep's label sets (it left the window of recent sweeps). */
  dropSweep(sweep: string): void {
    for (const outcome of OUTCOMES) this.trials.remove({ sweep, outcome });
    this.running.remove({ sweep });
    this.runningBySweep.delete(sweep);
    this.known.delete(sweep);
  }

  private initSweep(sweep: string): void {
    if (this.known.has(sweep)) return;
    this.known.add(sweep);
    for (const outcome of OUTCOMES) this.trials.inc({ sweep, outcome }, 0);
  }

  private attemptEnded(sweep: string, trial: string, attempt: number): void {
    const key = attemptKey(sweep, trial, attempt);
    this.pending.delete(key);
    this.started.delete(key);
    const set = this.runningBySweep.get(sweep);
    if (set?.delete(attemptKey('', trial, attempt))) this.running.set({ sweep }, set.size);
  }

  private oldestPendingSeconds(): number {
    let oldest = Infinity;
    for (const since of this.pending.values()) oldest = Math.min(oldest, since);
    return oldest === Infinity ? 0 : Math.max(0, (this.now() - oldest) / 1000);
  }
}

function attemptKey(sweep: string, trial: string, attempt: number): string {
  return `${sweep}\u0000${trial}\u0000${attempt}`;
}

/** Forgets the oldest entries of an insertion-ordered collection beyond the tracking cap. */
function trim(c: Map<string, unknown> | Set<string>): void {
  while (c.size > MAX_TRACKED_ATTEMPTS) c.delete(c.keys().next().value as string);
}
