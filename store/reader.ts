// Reading stored messages back: everything on a subject filter, from the start of the stream
// to what is stored now, through an ordered (ephemeral) consumer. Readers de-duplicate by
// message id, so a message stored twice (a retry after the duplicate window) counts once.
// Bus messages are read through the same checks as the aggregator's (core/message-schema.ts):
// a malformed body, or one whose ids are not its subject's, is left out.
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, DeliverPolicy, type JsMsg } from '@nats-io/jetstream';
import {
  EVENTS_STREAM, METRICS_STREAM, eventsSubject, metricsSubject, messageId, type MetricMessage, type TrialEvent, type BusMessage,
} from '../core/messages.js';
import { isNotFound } from './streams.js';
import { decodeBusMessage } from '../core/message-schema.js';

export interface StoredMessage<T> {
  seq: number;
  data: T;
}

/**
 * Every message stored under `filter` in `stream`, in stream order, decoded by `decode` (JSON by
 * default; messages it maps to undefined are left out).
 */
export async function readAll<T>(
  nc: NatsConnection, stream: string, filter: string,
  opts: { idleTimeoutMs?: number; decode?: (m: JsMsg) => T | undefined } = {},
): Promise<StoredMessage<T>[]> {
  const decode = opts.decode ?? ((m: JsMsg) => m.json<T>());
  const jsm = await jetstreamManager(nc);
  // The number of messages stored now under the filter: reading stops there.
  const info = await jsm.streams.info(stream, { subjects_filter: filter });
  const subjects = info.state.subjects ?? {};
  const total = Object.values(subjects).reduce((a, b) => a + b, 0);
  if (total === 0) return [];
  const js = jetstream(nc);
  const consumer = await js.consumers.get(stream, { filter_subjects: filter, deliver_policy: DeliverPolicy.All });
  const out: StoredMessage<T>[] = [];
  const idle = opts.idleTimeoutMs ?? 10_000;
  let seen = 0;
  while (seen < total) {
    const batch = await consumer.fetch({ max_messages: Math.min(1000, total - seen), expires: idle });
    let got = 0;
    for await (const m of batch) {
      got++;
      seen++;
      const data = decode(m);
      if (data !== undefined) out.push({ seq: m.seq, data });
      if (m.info.pending === 0) break;
    }
    if (got === 0) break;
    // pending 0: the consumer has delivered everything stored under the filter.
    if (seen >= total) break;
  }
  await consumer.delete().catch(() => undefined);
  return out;
}

/** A stored bus message that passes the checks, or undefined. */
function busMessage<T extends BusMessage>(m: JsMsg): T | undefined {
  return decodeBusMessage(m.data, m.subject).message as T | undefined;
}

/** One copy of each message id. */
export function dedupe<T extends BusMessage>(msgs: StoredMessage<T>[]): T[] {
  const byId = new Map<string, T>();
  for (const m of msgs) {
    // Same id, same content (a deterministic trial re-run); keep the first position.
    byId.set(messageId(m.data), m.data);
  }
  return [...byId.values()];
}

/** The last event stored for a trial (one request), or null when it has none. */
export async function lastTrialEvent(nc: NatsConnection, sweepId: string, trialId: string): Promise<TrialEvent | null> {
  const jsm = await jetstreamManager(nc);
  try {
    const m = await jsm.streams.getMessage(EVENTS_STREAM, { last_by_subj: eventsSubject(sweepId, trialId) });
    // a last message that fails the checks says nothing: null, and the caller reads them all
    return m ? (decodeBusMessage(m.data, m.subject).message as TrialEvent | undefined) ?? null : null;
  } catch (err) {
    if (isNotFound(err)) return null; // no such stream yet: no events either
    throw err;
  }
}

export async function readTrialEvents(nc: NatsConnection, sweepId: string, trialId: string): Promise<TrialEvent[]> {
  return dedupe(await readAll<TrialEvent>(nc, EVENTS_STREAM, eventsSubject(sweepId, trialId), { decode: busMessage }));
}

export async function readSweepEvents(nc: NatsConnection, sweepId: string): Promise<TrialEvent[]> {
  return dedupe(await readAll<TrialEvent>(nc, EVENTS_STREAM, eventsSubject(sweepId, '*'), { decode: busMessage }));
}

export async function readTrialMetrics(nc: NatsConnection, sweepId: string, trialId: string): Promise<MetricMessage[]> {
  return dedupe(await readAll<MetricMessage>(nc, METRICS_STREAM, metricsSubject(sweepId, trialId)));
}

export async function readSweepMetrics(nc: NatsConnection, sweepId: string): Promise<MetricMessage[]> {
  return dedupe(await readAll<MetricMessage>(nc, METRICS_STREAM, metricsSubject(sweepId, '*'), { decode: busMessage }));
}
