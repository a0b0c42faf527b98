// The two JetStream streams (docs/architecture.md). File storage; the duplicate window is set explicitly
// because message-id dedup is what makes a retried trainer or a reconnect harmless. The server
// refuses a message over MAX_BODY_BYTES at publish time, so an oversized body is never stored
// (the publisher of an honest one gets the error instead of the aggregator dropping it later).
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, JetStreamApiCodes, JetStreamApiError, RetentionPolicy, StorageType, DiscardPolicy, type StreamConfig } from '@nats-io/jetstream';
import { EVENTS_STREAM, EVENTS_SUBJECTS, METRICS_STREAM, METRICS_SUBJECTS } from '../core/messages.js';
import { MAX_BODY_BYTES } from '../core/message-schema.js';

export interface StreamSettings {
  /** how long a message id is remembered for dedup (default 20 min) */
  duplicateWindowMs?: number;
  /** how long messages are kept (0 = forever, the default) */
  maxAgeMs?: number;
}

export const DEFAULT_DUPLICATE_WINDOW_MS = 20 * 60_000;
const NS_PER_MS = 1_000_000;

export function streamConfigs(s: StreamSettings = {}): Array<Partial<StreamConfig> & { name: string; subjects: string[] }> {
  const common = {
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    duplicate_window: (s.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS) * NS_PER_MS,
    max_age: (s.maxAgeMs ?? 0) * NS_PER_MS,
    max_msg_size: MAX_BODY_BYTES,
    num_replicas: 1,
  };
  return [
    { name: METRICS_STREAM, subjects: [METRICS_SUBJECTS], description: 'one message per evaluation point of a trial', ...common },
    { name: EVENTS_STREAM, subjects: [EVENTS_SUBJECTS], description: 'trial lifecycle events', ...common },
  ];
}

/** Creates the streams, or updates their duplicate window / max age / message size if they exist. Idempotent. */
export async function ensureStreams(nc: NatsConnection, s: StreamSettings = {}): Promise<void> {
  const jsm = await jetstreamManager(nc);
  for (const cfg of streamConfigs(s)) {
    let existing: StreamConfig | undefined;
    try {
      existing = (await jsm.streams.info(cfg.name)).config;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (!existing) {
      try {
        await jsm.streams.add(cfg);
      } catch (err) {
        // Another process created it between our info and add.
        if (!isAlreadyExists(err)) throw err;
      }
    } else if (existing.duplicate_window !== cfg.duplicate_window || existing.max_age !== cfg.max_age || existing.max_msg_size !== cfg.max_msg_size) {
      await jsm.streams.update(cfg.name, { duplicate_window: cfg.duplicate_window, max_age: cfg.max_age, max_msg_size: cfg.max_msg_size });
    }
  }
}

// JetStream API error codes (nats-server's errors.json) beyond those @nats-io/jetstream names.
const ALREADY_EXISTS_CODES: ReadonlySet<number> = new Set([
  10058, // JSStreamNameExistErr: stream name already in use with a different configuration
  10013, // JSConsumerNameExistErr: consumer name already in use
  10105, // JSConsumerExistingActiveErr: consumer already exists and is still active
  10148, // JSConsumerAlreadyExists
]);
const NOT_FOUND_CODES: ReadonlySet<number> = new Set([
  JetStreamApiCodes.StreamNotFound, JetStreamApiCodes.ConsumerNotFound, JetStreamApiCodes.NoMessageFound,
]);

/** A stream, consumer or message that does not exist. */
export function isNotFound(err: unknown): boolean {
  return err instanceof JetStreamApiError && NOT_FOUND_CODES.has(err.code);
}

/** A stream or consumer created meanwhile by another process. */
export function isAlreadyExists(err: unknown): boolean {
  return err instanceof JetStreamApiError && ALREADY_EXISTS_CODES.has(err.code);
}

/** A compare-and-set refused: the KV key or stream subject has moved on (another writer). */
export function isWrongLastSequence(err: unknown): boolean {
  return err instanceof JetStreamApiError
    && (err.code === JetStreamApiCodes.StreamWrongLastSequence || err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown);
}
