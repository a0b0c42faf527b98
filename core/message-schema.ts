// Schemas of the bus messages (core/messages.ts) for the places that receive them from another
// process: the aggregator (JetStream) and the embedded pool (a worker's IPC channel). The
// identifying fields are checked strictly; measurements may be null (JSON writes a non-finite
// number as null), and fields this version does not know are kept (a newer trainer may add some).
import { z } from 'zod';
import { formatIssues } from './config/errors.js';
import { TRIAL_EVENTS, type BusMessage, type MetricMessage, type TrialEvent } from './messages.js';
import { DIVERGENCE_REASONS } from './stability.js';

const id = z.string({ error: 'missing' }).min(1, 'missing');
const step = z.number({ error: 'must be a non-negative integer' }).int('must be a non-negative integer').min(0, 'must be a non-negative integer');
const measured = z.number().nullable();
const series = z.array(measured);

export const metricMessageSchema = z.looseObject({
  sweepId: id,
  trialId: id,
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
  sweepId: id,
  trialId: id,
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
  time: z.string().optional(),
});

export type ParsedMessage = { message: BusMessage; problem?: undefined } | { message?: undefined; problem: string };

/** A received message, or the first problem that makes it unusable ("path: what is wrong"). */
export function parseBusMessage(raw: unknown): ParsedMessage {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { problem: 'not a JSON object' };
  // An event names its kind; everything else is an evaluation point.
  const schema = typeof (raw as { event?: unknown }).event === 'string' ? trialEventSchema : metricMessageSchema;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return { problem: formatIssues(parsed.error.issues)[0] };
  // The message as received (same key order: it is written on as is), now known to be valid.
  return { message: raw as MetricMessage | TrialEvent };
}
