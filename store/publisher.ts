// Publishes a trial's metric and event messages to JetStream. Every message carries a message
// id, so retrying a publish (after a timeout or while nats-server restarts) or re-running the
// trial never stores it twice. publish() never throws: it queues, and flush() reports whether
// everything was stored.
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, JetStreamApiError, type JetStreamClient } from '@nats-io/jetstream';
import { InvalidArgumentError } from '@nats-io/transport-node';
import { jserrors } from '@nats-io/jetstream/internal';
import { eventsSubject, isEvent, messageId, metricsSubject, type BusMessage } from '../core/messages.js';
import { backoff, retry } from '../core/retry.js';
import { errorMessage } from '../core/error-message.js';
import { MAX_BODY_BYTES } from '../core/message-schema.js';

export interface PublisherOptions {
  /** publishes awaiting their acknowledgement at once */
  maxInFlight?: number;
  /** per-attempt acknowledgement timeout */
  ackTimeoutMs?: number;
  /** give up on a message after retrying this long (the trial attempt then fails and is retried) */
  giveUpAfterMs?: number;
  /** called once when no stream holds a subject yet (the publishes keep retrying until giveUpAfterMs) */
  onNoStream?: (subject: string, giveUpAfterMs: number) => void;
}

export interface PublisherStats {
  published: number;
  duplicates: number;
  retries: number;
}

/**
 * The Nats-Msg-Id: `<sweepId>:<trialId>:<step>:<kind>`, the trial's message id prefixed by the sweep. Trial ids are
 * hashes of configs, so two sweeps sharing a trial config (a resubmitted spec, overlapping
 * grids) would otherwise drop each other's messages as duplicates inside the window.
 */
export function streamMessageId(m: BusMessage): string {
  return `${m.sweepId}:${messageId(m)}`;
}

export function subjectOf(m: BusMessage): string {
  return isEvent(m) ? eventsSubject(m.sweepId, m.trialId) : metricsSubject(m.sweepId, m.trialId);
}

/** JSStreamMessageExceedsMaximumErr: the stream's max_msg_size (store/streams.ts) refused it. */
const MESSAGE_TOO_LARGE = 10054;

/** A message over the stream's size limit or the server's max_payload: sending it again cannot help. */
function tooLarge(err: unknown): boolean {
  return (err instanceof JetStreamApiError && err.code === MESSAGE_TOO_LARGE) || err instanceof InvalidArgumentError;
}

export class JetStreamPublisher {
  private readonly js: JetStreamClient;
  private readonly queue: BusMessage[] = [];
  private inFlight = 0;
  private failure: Error | undefined;
  private idleWaiters: Array<() => void> = [];
  private readonly maxInFlight: number;
  private readonly ackTimeoutMs: number;
  private readonly giveUpAfterMs: number;
  private onNoStream: PublisherOptions['onNoStream'];
  readonly stats: PublisherStats = { published: 0, duplicates: 0, retries: 0 };

  constructor(nc: NatsConnection, opts: PublisherOptions = {}) {
    this.js = jetstream(nc, { timeout: opts.ackTimeoutMs ?? 5000 });
    this.maxInFlight = opts.maxInFlight ?? 64;
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 5000;
    this.giveUpAfterMs = opts.giveUpAfterMs ?? 5 * 60_000;
    this.onNoStream = opts.onNoStream;
  }

  publish(m: BusMessage): void {
    this.queue.push(m);
    this.pump();
  }

  /** Resolves when every queued message is stored; rejects if one could not be. */
  async flush(): Promise<void> {
    while (this.queue.length || this.inFlight) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
    if (this.failure) throw this.failure;
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length) {
      const m = this.queue.shift()!;
      this.inFlight++;
      this.send(m).finally(() => {
        this.inFlight--;
        this.pump();
        if (!this.queue.length && !this.inFlight) {
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          for (const w of waiters) w();
        }
      });
    }
  }

  private async send(m: BusMessage): Promise<void> {
    if (this.failure) return;
    const subject = subjectOf(m);
    const payload = JSON.stringify(m);
    const msgID = streamMessageId(m);
    const deadline = Date.now() + this.giveUpAfterMs;
    try {
      const ack = await retry(() => this.js.publish(subject, payload, { msgID, timeout: this.ackTimeoutMs }), {
        delayMs: backoff(50, 2000),
        retryIf: (err) => {
          if (Date.now() >= deadline || tooLarge(err)) return false;
          // nobody answers on the subject: no stream holds it (the client calls that "not enabled")
          if (err instanceof jserrors.JetStreamNotEnabled && this.onNoStream) {
            const tell = this.onNoStream;
            this.onNoStream = undefined;
            tell(subject, this.giveUpAfterMs);
          }
          this.stats.retries++;
          return true;
        },
      });
      this.stats.published++;
      if (ack.duplicate) this.stats.duplicates++;
    } catch (err) {
      this.failure ??= tooLarge(err)
        ? new Error(`could not store ${msgID} on ${subject}: ${payload.length} bytes is more than a message may have (${MAX_BODY_BYTES}): ${errorMessage(err)}`)
        : new Error(`could not store ${msgID} on ${subject} within ${this.giveUpAfterMs} ms: ${errorMessage(err)}`);
    }
  }
}
