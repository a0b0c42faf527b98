#!/usr/bin/env node
// The aggregator: a durable pull consumer on each stream that keeps one summary per trial in
// the SWEEP_TRIALS KV bucket. A message is acknowledged only after the summary that includes it
// is stored (compare-and-set on the key's revision, so several aggregators may share the
// consumer); a redelivered message leaves the summary unchanged (see trial-summary.ts).
// Every message is checked before it touches a summary (core/message-schema.ts: size first,
// then JSON, schema, subject; then that its trial is one the sweep planned, and a bound on a
// trial's evaluation points); a refused one is dropped (term), counted by reason in
// sweep_messages_rejected_total and logged at most once per reason per interval.
// Run standalone: `node dist/workers/aggregator.js [--nats URL] [--metrics-port N [--metrics-host H]]
// [--durable NAME] [--ack-wait-ms N]` (options by commander, SWEEP_* settings by
// workers/process-env.ts), or in-process by the orchestrator worker.
import type { NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type Consumer, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { LRUCache } from 'lru-cache';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { EVENTS_STREAM, EVENTS_SUBJECTS, METRICS_STREAM, METRICS_SUBJECTS, isEvent, type BusMessage } from '../core/messages.js';
import { openTrialsKv, trialKey } from '../store/buckets.js';
import { connectNats, parseServers } from '../store/connect.js';
import { ensureStreams, isAlreadyExists, isNotFound, isWrongLastSequence } from '../store/streams.js';
import { applyMessage, lowerBound, type TrialSummary } from '../store/trial-summary.js';
import { decodeBusMessage, MAX_SUMMARY_STEPS, REJECT_REASONS, type RejectReason } from '../core/message-schema.js';
import { RateLimitedLog } from '../core/rate-limited-log.js';
import { PlannedTrials, type PlannedTrialsOptions } from '../store/planned-trials.js';
import { callHook, type TelemetryHooks } from '../activities/telemetry.js';
import { WEB_CONFIG_FLAG, telemetryFromFlags } from './telemetry/flags.js';
import { isEntryPoint } from './entry-point.js';
import { printable } from './printable.js';
import { parseEnv } from '../core/env.js';
import { backoff, retry } from '../core/retry.js';
import { sleep } from '../core/sleep.js';
import { aggregatorEnvSchema, reportEnvError } from './process-env.js';
import { NATS_AUTH_FLAGS, resolveNatsAuth, type NatsAuthFlags } from '../client/nats-settings.js';
import { ConfigError } from '../core/config/errors.js';
import { NatsAuthRefusedError } from '../store/connect.js';
import { errorMessage, firstLine } from '../core/error-message.js';

export const AGGREGATOR_DURABLE = 'sweep-aggregator';
type StreamKind = 'metrics' | 'events';

export interface AggregatorOptions {
  nc: NatsConnection;
  durable?: string;
  hooks?: TelemetryHooks;
  /** most messages handled (and acknowledged) together */
  batchSize?: number;
  /** redelivery delay of a message handed out but not acknowledged (default 30 s) */
  ackWaitMs?: number;
  log?: (line: string) => void;
  /** how the "planned trial" check loads plans (tests shorten its waits) */
  plans?: PlannedTrialsOptions;
  /** most distinct evaluation points kept per trial summary (default MAX_SUMMARY_STEPS) */
  maxSummarySteps?: number;
  /** least time between two log lines of one rejection reason (default 10 s) */
  rejectLogIntervalMs?: number;
}

export interface AggregatorStats {
  /** messages stored into summaries and acknowledged, per stream */
  metrics: number;
  events: number;
  /** malformed or hostile messages dropped (term) */
  rejected: number;
  /** the same, by reason */
  rejectedBy: Record<RejectReason, number>;
  /** compare-and-set conflicts retried */
  conflicts: number;
}

export class Aggregator {
  readonly stats: AggregatorStats = {
    metrics: 0, events: 0, rejected: 0, conflicts: 0,
    rejectedBy: Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>,
  };
  private readonly parts: StreamPart[] = [];
  private readonly rejectLog: RateLimitedLog<RejectReason>;

  private constructor(private readonly opts: AggregatorOptions, private readonly kv: KV, readonly planned: PlannedTrials) {
    this.rejectLog = new RateLimitedLog((line) => this.log(line), opts.rejectLogIntervalMs ?? 10_000);
  }

  static async start(opts: AggregatorOptions): Promise<Aggregator> {
    await ensureStreams(opts.nc);
    const kv = await openTrialsKv(opts.nc);
    const agg = new Aggregator(opts, kv, await PlannedTrials.open(opts.nc, opts.plans));
    const durable = opts.durable ?? AGGREGATOR_DURABLE;
    for (const [kind, stream, filter] of [['metrics', METRICS_STREAM, METRICS_SUBJECTS], ['events', EVENTS_STREAM, EVENTS_SUBJECTS]] as const) {
      const consumer = await durableConsumer(opts.nc, stream, durable, filter, opts.ackWaitMs ?? 30_000, 4 * agg.batchSize);
      const part = new StreamPart(agg, kind, stream, consumer);
      agg.parts.push(part);
      await part.start();
    }
    return agg;
  }

  /** Stops pulling, finishes the batch in hand (unfinished messages are redelivered later). */
  async stop(): Promise<void> {
    await Promise.all(this.parts.map((p) => p.stop()));
  }

  /**
   * Waits until every message stored so far has been aggregated (tests and benchmarks): first
   * until this process has handled up to the streams' last sequence, then until the server has
   * nothing pending or unacknowledged (messages lost in transit come back after the ack wait).
   * Consumer info is asked for only in that second phase, when deliveries are done: on
   * nats-server 2.9 it is costly with a wildcard filter over many subjects and stalls them.
   */
  async drained(timeoutMs = 60_000): Promise<void> {
    const jsm = await jetstreamManager(this.opts.nc);
    const targets = await Promise.all(this.parts.map(async (p) => (await jsm.streams.info(p.stream)).state.last_seq));
    const deadline = Date.now() + timeoutMs;
    const late = (what: string) => new Error(`aggregator: ${what} after ${timeoutMs} ms`);
    for (;;) {
      const behind = this.parts.filter((p, i) => p.handledSeq < targets[i]);
      if (!behind.length) break;
      if (Date.now() > deadline) throw late(behind.map((p) => `${p.kind} at ${p.handledSeq} of ${targets[this.parts.indexOf(p)]}`).join(', '));
      await sleep(50);
    }
    for (;;) {
      let open = 0;
      for (const p of this.parts) {
        const info = await p.consumer.info();
        open += info.num_pending + info.num_ack_pending + p.queued;
      }
      if (open === 0) return;
      if (Date.now() > deadline) throw late(`${open} messages pending or unacknowledged`);
      await sleep(100);
    }
  }

  log(line: string): void {
    (this.opts.log ?? ((l: string) => process.stderr.write(`aggregator: ${l}\n`)))(line);
  }

  /** Drops `m` for good: counted by reason, logged (rate-limited, never the body). */
  reject(m: JsMsg, reason: RejectReason, problem: string): void {
    this.stats.rejected++;
    this.stats.rejectedBy[reason]++;
    callHook(this.opts.hooks, 'messageRejected', reason);
    // subject and field names are the sender's text: shortened, control characters shown as escapes
    const subject = m.subject.length > 200 ? `${m.subject.slice(0, 200)}…` : m.subject;
    this.rejectLog.note(reason, printable(`dropping message ${m.seq} on ${subject}: ${reason}: ${problem}`));
    m.term();
  }

  get hooks(): TelemetryHooks | undefined {
    return this.opts.hooks;
  }

  get maxSummarySteps(): number {
    return this.opts.maxSummarySteps ?? MAX_SUMMARY_STEPS;
  }

  get batchSize(): number {
    return this.opts.batchSize ?? 1000;
  }

  /**
   * Applies `msgs` (all of one trial) to its summary with compare-and-set. The last summary
   * this process stored is remembered, so the usual case is one request; if another writer
   * changed the key meanwhile, the update is refused and redone from the stored value.
   */
  async store(key: string, msgs: BusMessage[], running: () => boolean): Promise<Stored | undefined> {
    const stopping = new Error('stopping');
    try {
      return await retry(async (attempt) => {
        if (!running()) throw stopping;
        let known = attempt === 0 ? this.known.peek(key) : undefined;
        if (!known) {
          const entry = await this.kv.get(key);
          const live = !!entry && entry.operation === 'PUT' && entry.length > 0;
          known = { revision: live ? entry!.revision : 0, summary: live ? entry!.json<TrialSummary>() : undefined };
        }
        let next = known.summary;
        const refused: number[] = [];
        msgs.forEach((m, i) => {
          // A flood of new steps must not grow the summary past what a KV value can hold.
          if (!isEvent(m) && next && next.steps.length >= this.maxSummarySteps && !hasStep(next.steps, m.step)) refused.push(i);
          else next = applyMessage(next, m);
        });
        const value = JSON.stringify(next);
        // Nothing new (redelivered or repeated messages): no write.
        if (!next || (known.summary && value === JSON.stringify(known.summary))) return { summary: next, refused, changed: false };
        const revision = known.revision ? await this.kv.update(key, value, known.revision) : await this.kv.create(key, value);
        this.remember(key, revision, next);
        return { summary: next, refused, changed: true };
      }, {
        // a conflict is retried at once from the stored value; then with growing pauses
        delayMs: backoff(20, 1000, 1),
        retryIf: (err, attempt) => {
          if (err === stopping) return false;
          this.known.delete(key);
          if (isWrongLastSequence(err)) this.stats.conflicts++;
          else {
            callHook(this.opts.hooks, 'apiError', 'nats');
            if (attempt % 20 === 5) this.log(`storing ${key}: ${errorMessage(err)} (retrying)`);
          }
          return true;
        },
      });
    } catch {
      return undefined; // stopping: the messages stay unacknowledged and come back
    }
  }

  /** the last summary this process stored per trial; the least recently stored are forgotten first */
  private readonly known = new LRUCache<string, { revision: number; summary: TrialSummary | undefined }>({ max: KNOWN_SUMMARIES });

  private remember(key: string, revision: number, summary: TrialSummary): void {
    this.known.set(key, { revision, summary });
  }
}

/** Summaries remembered between batches (about 1 KB each). */
export const KNOWN_SUMMARIES = 20_000;

/** What storing one trial's messages did: indices of `msgs` refused (too many steps). */
interface Stored {
  summary: TrialSummary | undefined;
  refused: number[];
  changed: boolean;
}

function hasStep(steps: number[], step: number): boolean {
  return steps[lowerBound(steps, step)] === step;
}

/**
 * The consumer of one stream: delivered messages are queued and handled in batches. The
 * consumer's max_ack_pending bounds what is delivered but not yet acknowledged, so a slow KV
 * slows delivery instead of letting messages outlive their ack wait and come back.
 */
class StreamPart {
  private queue: JsMsg[] = [];
  private wake: (() => void) | undefined;
  private running = true;
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  /** highest stream sequence handled (stored and acknowledged, or dropped as malformed) */
  handledSeq = 0;

  constructor(private readonly agg: Aggregator, readonly kind: StreamKind, readonly stream: string, readonly consumer: Consumer) {}

  /** delivered to this process, not yet handled */
  get queued(): number {
    return this.queue.length;
  }

  async start(): Promise<void> {
    this.messages = await this.consumer.consume({
      max_messages: this.agg.batchSize,
      callback: (m) => {
        this.queue.push(m);
        this.wake?.();
      },
    });
    this.loop = this.process();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    this.messages?.stop();
    await this.loop;
  }

  private async process(): Promise<void> {
    while (this.running) {
      if (!this.queue.length) {
        callHook(this.agg.hooks, 'consumerLag', this.kind, 0);
        await new Promise<void>((resolve) => { this.wake = resolve; });
        this.wake = undefined;
        continue;
      }
      const batch = this.queue.splice(0, this.agg.batchSize);
      await this.handle(batch);
      if (!this.running) break;
      this.handledSeq = Math.max(this.handledSeq, ...batch.map((m) => m.seq));
      // Each delivered message says how many are still waiting behind it.
      callHook(this.agg.hooks, 'consumerLag', this.kind, batch[batch.length - 1].info.pending + this.queue.length);
    }
  }

  private async handle(batch: JsMsg[]): Promise<void> {
    const groups = new Map<string, Group>();
    for (const m of batch) {
      // The size is looked at before anything is parsed; malformed: redelivering cannot help.
      const d = decodeBusMessage(m.data, m.subject);
      if (!d.message) {
        this.agg.reject(m, d.reason, d.problem);
        continue;
      }
      const key = trialKey(d.message.sweepId, d.message.trialId);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { sweepId: d.message.sweepId, trialId: d.message.trialId, storedAtMs: 0, msgs: [], parsed: [] }));
      g.msgs.push(m);
      g.parsed.push(d.message);
      g.storedAtMs = Math.max(g.storedAtMs, m.time.getTime());
    }
    const entries = [...groups.entries()];
    const running = () => this.running;
    let stored = 0;
    // Bounded concurrency across trials; each trial's messages are applied in one update.
    const width = 64;
    for (let i = 0; i < entries.length; i += width) {
      await Promise.all(entries.slice(i, i + width).map(async ([key, g]) => {
        let membership;
        try {
          membership = await this.agg.planned.check(g.sweepId, g.trialId, g.storedAtMs);
        } catch (err) {
          // plans unreadable now: leave unacknowledged, they come back after the ack wait
          callHook(this.agg.hooks, 'apiError', 'nats');
          this.agg.log(`reading the plans of sweep ${g.sweepId}: ${errorMessage(err)}`);
          return;
        }
        if (membership === 'unknown-trial') {
          for (const m of g.msgs) this.agg.reject(m, 'unknown-trial', `trial ${g.trialId} is not planned by sweep ${g.sweepId}`);
          return;
        }
        const result = await this.agg.store(key, g.parsed, running);
        if (!result) return; // stopping: leave unacknowledged, it will be redelivered
        const refused = new Set(result.refused);
        g.msgs.forEach((m, j) => {
          if (refused.has(j)) this.agg.reject(m, 'too-many-steps', `trial ${g.trialId} has ${this.agg.maxSummarySteps} evaluation points already`);
          else m.ack();
        });
        stored += g.msgs.length - refused.size;
        if (result.changed && result.summary) callHook(this.agg.hooks, 'trialSummary', result.summary);
      }));
    }
    if (stored) {
      this.agg.stats[this.kind] += stored;
      callHook(this.agg.hooks, 'ingested', this.kind, stored);
    }
  }
}

interface Group {
  sweepId: string;
  trialId: string;
  /** when the server stored the group's newest message (ms) */
  storedAtMs: number;
  msgs: JsMsg[];
  parsed: BusMessage[];
}

async function durableConsumer(nc: NatsConnection, stream: string, durable: string, filter: string, ackWaitMs: number, maxAckPending: number): Promise<Consumer> {
  const jsm = await jetstreamManager(nc);
  const ackWait = ackWaitMs * 1_000_000;
  try {
    const info = await jsm.consumers.info(stream, durable);
    if (info.config.ack_wait !== ackWait || info.config.max_ack_pending !== maxAckPending) {
      await jsm.consumers.update(stream, durable, { ack_wait: ackWait, max_ack_pending: maxAckPending });
    }
  } catch (err) {
    if (!isNotFound(err)) throw err;
    try {
      await jsm.consumers.add(stream, {
        durable_name: durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        filter_subject: filter,
        ack_wait: ackWait,
        max_deliver: 100,
        max_ack_pending: maxAckPending,
      });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
  }
  return jetstream(nc).consumers.get(stream, durable);
}

async function main(argv: string[]): Promise<number> {
  const env = parseEnv(aggregatorEnvSchema);
  const program = new Command('aggregator')
    .description('keeps one summary per trial in the SWEEP_TRIALS KV bucket, from the metric and event streams')
    .option('--nats <url>', 'NATS servers, comma-separated (env SWEEP_NATS_URL)')
    .option('--durable <name>', 'durable consumer name (aggregators sharing it share the work)')
    .option('--ack-wait-ms <n>', 'redelivery delay of a message handed out but not acknowledged', (v) => positiveNumber(v, '--ack-wait-ms'))
    .option('--metrics-port <n>', 'serve Prometheus /metrics on this port (env SWEEP_METRICS_PORT; none by default)')
    .option('--metrics-host <host>', 'address of the /metrics endpoint (env SWEEP_METRICS_HOST; default 127.0.0.1)')
    .exitOverride();
  for (const [flag, description] of NATS_AUTH_FLAGS) program.option(flag, description);
  program.option(...WEB_CONFIG_FLAG);
  program.parse(argv, { from: 'user' });
  const o = program.opts<{ nats?: string; durable?: string; ackWaitMs?: number; metricsPort?: string; metricsHost?: string; webConfig?: string } & NatsAuthFlags>();
  const servers = o.nats ? parseServers(o.nats) : env.SWEEP_NATS_URL ?? ['nats://127.0.0.1:4222'];
  // Prometheus /metrics (--metrics-port / SWEEP_METRICS_PORT), see workers/telemetry.
  const telemetry = await telemetryFromFlags({ port: o.metricsPort, host: o.metricsHost, webConfig: o.webConfig }, { service: 'aggregator' });
  const nc = await connectNats({ servers, name: 'sweep-aggregator', auth: resolveNatsAuth(o) });
  const agg = await Aggregator.start({ nc, hooks: telemetry?.hooks, durable: o.durable, ...(o.ackWaitMs ? { ackWaitMs: o.ackWaitMs } : {}) });
  process.stderr.write(`aggregator: consuming ${METRICS_STREAM} and ${EVENTS_STREAM} on ${servers.join(',')}${telemetry?.server ? `, metrics on ${telemetry.server.url}` : ''}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await agg.stop();
  await nc.drain();
  await telemetry?.close();
  return 0;
}

function positiveNumber(v: string, flag: string): number {
  const n = Number(v);
  if (!(n > 0)) throw new InvalidArgumentError(`${flag}: must be a positive number, got "${v}"`);
  return n;
}

if (isEntryPoint(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
    if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
    const bad = reportEnvError('aggregator', err);
    if (bad !== undefined) process.exit(bad);
    process.stderr.write(`aggregator: ${firstLine(err)}\n`);
    // an unreadable credential file or refused credentials: fix the settings, do not restart
    if (err instanceof ConfigError || err instanceof NatsAuthRefusedError) process.exit(2);
    process.exit(1);
  });
}
