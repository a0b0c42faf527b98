// Schemas of the bus messages (core/messages.ts) for the places that receive them from another
// process: the aggregator (JetStream) and the embedded pool (a worker's IPC channel). The
// identifying fields are checked strictly; measurements may be null (JSON writes a non-finite
// number as null, so null is the protocol's "not finite"), anything else where a number belongs
// is refused; fields this version does not know are kept (a newer trainer may add some), up to
// a bound. Every refusal has a reason from REJECT_REASONS, the label of
// sweep_messages_rejected_total, and a one-line problem that never quotes the body.
import { z } from 'zod';
import { formatIssues } from './config/errors.js';
import { SWEEP_ID_PATTERN } from './sweep-id.js';
import { eventsSubject, metricsSubject, TRIAL_EVENTS, type BusMessage, type MetricMessage, type TrialEvent } from './messages.js';
import { DIVERGENCE_REASONS } from './stability.js';

/** Why a received message was dropped: a closed set, so the counter's label set stays bounded. */
export const REJECT_REASONS = [
  'too-large', // body over MAX_BODY_BYTES (checked before parsing)
  'not-json', // body is not JSON text
  'not-object', // JSON, but not an object
  'too-many-fields', // more than MAX_FIELDS fields at the top or in a nested object
  'bad-id', // sweepId or trialId missing or not of the form an id has
  'bad-subject', // subject of the other stream, or not a trial's subject
  'id-mismatch', // the body's sweep or trial id differs from its subject's (or from the trial the worker runs)
  'unknown-event', // an `event` that is not one of TRIAL_EVENTS
  'bad-number', // a string, boolean, object, ... where a number (or null) belongs
  'bad-field', // any other field of the wrong type or value
  'unknown-trial', // a trial the sweep never planned
  'too-many-steps', // a new step for a trial whose summary holds MAX_SUMMARY_STEPS already (a flood)
  'step-not-increasing', // embedded: a metric step not above the running attempt's last one
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** Largest body accepted; the streams refuse bigger ones at publish time (store/streams.ts). */
export const MAX_BODY_BYTES = 256 * 1024;
/** Most fields of the message or of one nested object (a flood of junk fields is refused). */
export const MAX_FIELDS = 64;
/** Longest text a trial summary keeps of an error or backend (the body's size bounds the message). */
export const MAX_TEXT = 16 * 1024;
/** Most distinct evaluation points a trial's summary keeps: its KV value stays well under 1 MB. */
export const MAX_SUMMARY_STEPS = 100_000;

const TRIAL_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
const sweepId = z.string({ error: 'missing' }).min(1, 'missing').regex(SWEEP_ID_PATTERN, 'not a sweep id');
const trialId = z.string({ error: 'missing' }).min(1, 'missing').regex(TRIAL_ID_PATTERN, 'not a trial id');
const step = z.number({ error: 'must be a non-negative integer' }).int('must be a non-negative integer').min(0, 'must be a non-negative integer');
const measured = z.number().nullable();
const series = z.array(measured);

export const metricMessageSchema = z.looseObject({
  sweepId,
  trialId,
  step,
  trainLoss: measured,
  testLoss: measured.optional(),
  accuracy: measured.optional(),
  trainAccuracy: measured.optional(),
  sharpness: measured.optional(),
  sharpnessScaled: measured.optional(),
  gradNorm: measured.optional(),
  weightMovement: series.optional(),
  coord: series.optional(),
  task: z.number().int().min(0).optional(),
  taskAccuracy: series.optional(),
  taskLoss: series.optional(),
  /** a command trainer's own measurements, by the names it gives them */
  metrics: z.record(z.string().min(1).max(128), measured).optional(),
});

export const trialEventSchema = z.looseObject({
  sweepId,
  trialId,
  event: z.enum(TRIAL_EVENTS),
  step: step.optional(),
  backend: z.string().optional(),
  lrConvention: z.string().optional(),
  attempt: z.number().int().min(1).optional(),
  error: z.string().optional(),
  divergence: z.enum(DIVERGENCE_REASONS).optional(),
  final: z.looseObject({ step }).optional(),
  continual: z.looseObject({}).optional(),
  giantStep: z.looseObject({}).optional(),
  durationMs: z.number().min(0).optional(),
  time: z.string().max(64).optional(),
});

export type ParsedMessage =
  | { message: BusMessage; reason?: undefined; problem?: undefined }
  | { message?: undefined; reason: RejectReason; problem: string };

const refuse = (reason: RejectReason, problem: string): ParsedMessage => ({ reason, problem });

/** A received message, or the reason and first problem that make it unusable ("path: what is wrong"). */
export function parseBusMessage(raw: unknown): ParsedMessage {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return refuse('not-object', 'not a JSON object');
  const crowded = crowdedPath(raw as Record<string, unknown>);
  if (crowded !== undefined) return refuse('too-many-fields', `${crowded}: more than ${MAX_FIELDS} fields`);
  // An event names its kind; everything else is an evaluation point.
  const schema = 'event' in raw ? trialEventSchema : metricMessageSchema;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return refuse(reasonOf(issue), formatIssues([issue])[0]);
  }
  // The message as received (same key order: it is written on as is), now known to be valid.
  return { message: raw as MetricMessage | TrialEvent };
}

/**
 * A message as it arrives on `subject`: the size is checked before the body is parsed, then the
 * schema, then that the body's ids are those of its subject (a trial publishes only on its own).
 */
export function decodeBusMessage(data: Uint8Array, subject: string): ParsedMessage {
  if (data.length > MAX_BODY_BYTES) return refuse('too-large', `${data.length} bytes is more than the ${MAX_BODY_BYTES} a message may have`);
  let raw: unknown;
  try {
    raw = JSON.parse(DECODER.decode(data));
  } catch {
    // SyntaxError, or a RangeError from nesting too deep for the parser
    return refuse('not-json', 'not JSON');
  }
  const parsed = parseBusMessage(raw);
  if (!parsed.message) return parsed;
  return subjectMismatch(parsed.message, subject) ?? parsed;
}

/** undefined when `subject` is the message's own (`sweep.<metrics|events>.<sweepId>.<trialId>`). */
export function subjectMismatch(m: BusMessage, subject: string): ParsedMessage | undefined {
  const isEvent = typeof (m as TrialEvent).event === 'string';
  const own = isEvent ? eventsSubject(m.sweepId, m.trialId) : metricsSubject(m.sweepId, m.trialId);
  if (subject === own) return undefined;
  const stream = isEvent ? 'sweep.events.' : 'sweep.metrics.';
  if (!subject.startsWith(stream)) return refuse('bad-subject', `a${isEvent ? 'n event' : ' metric'} message on another stream's subject`);
  return refuse('id-mismatch', 'sweepId/trialId differ from the subject');
}

const DECODER = new TextDecoder('utf-8', { fatal: true });

/** The path of the first object (the message or one nested in it) with too many fields. */
function crowdedPath(raw: Record<string, unknown>): string | undefined {
  if (moreKeysThan(raw, MAX_FIELDS)) return '(top level)';
  for (const key in raw) {
    const v = raw[key];
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && moreKeysThan(v, MAX_FIELDS)) return JSON.stringify(key.slice(0, 64));
  }
  return undefined;
}

/** Counts keys only up to `max` + 1 (no array of a junk object's keys is built). */
function moreKeysThan(o: object, max: number): boolean {
  let n = 0;
  for (const key in o) if (Object.hasOwn(o, key) && ++n > max) return true;
  return false;
}

function reasonOf(issue: z.core.$ZodIssue): RejectReason {
  const field = issue.path[0];
  if (field === 'sweepId' || field === 'trialId') return 'bad-id';
  if (field === 'event') return 'unknown-event';
  if (issue.code === 'invalid_type' && (issue.expected === 'number' || issue.expected === 'int')) return 'bad-number';
  if ((issue.code === 'too_small' || issue.code === 'too_big') && issue.origin === 'number') return 'bad-number';
  return 'bad-field';
}
