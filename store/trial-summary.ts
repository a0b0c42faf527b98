// The per-trial summary the aggregator keeps in KV, and how a message updates it. Applying the
// same message twice gives the same summary (evaluation points are a set of steps, events keep
// the latest attempt), so a redelivered or re-published message never double-counts.
import { isEvent, type BusMessage, type FinalMetrics, type MetricMessage, type TrialEvent } from '../core/messages.js';
import { outcomeOfEvent, type Outcome } from '../core/outcome.js';
import { MAX_TEXT, parseBusMessage } from '../core/message-schema.js';

export type TrialStatus = 'running' | Outcome;

export interface TrialSummary {
  sweepId: string;
  trialId: string;
  status: TrialStatus;
  /** distinct evaluation points stored */
  metrics: number;
  /** their steps, ascending (the dedup key of metric messages) */
  steps: number[];
  /** the evaluation point with the highest step */
  latest?: Pick<MetricMessage, 'step' | 'trainLoss' | 'testLoss' | 'accuracy' | 'sharpness' | 'gradNorm'>;
  minTrainLoss?: number;
  attempt?: number;
  backend?: string;
  final?: FinalMetrics;
  error?: string;
  durationMs?: number;
  /** wall-clock time of the first `started` event, if known */
  startedAt?: string;
  endedAt?: string;
}

export function emptySummary(sweepId: string, trialId: string): TrialSummary {
  return { sweepId, trialId, status: 'running', metrics: 0, steps: [] };
}


/** Index of the first step ≥ `step` in ascending `steps` (binary search). */
export function lowerBound(steps: readonly number[], step: number): number {
  let lo = 0;
  let hi = steps.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (steps[mid] < step) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertSorted(steps: number[], step: number): boolean {
  const lo = lowerBound(steps, step);
  if (steps[lo] === step) return false;
  steps.splice(lo, 0, step);
  return true;
}

function applyMetric(s: TrialSummary, m: MetricMessage): void {
  if (!insertSorted(s.steps, m.step)) return;
  s.metrics = s.steps.length;
  if (!s.latest || m.step >= s.latest.step) {
    const latest: NonNullable<TrialSummary['latest']> = { step: m.step, trainLoss: m.trainLoss };
    if (m.testLoss !== undefined) latest.testLoss = m.testLoss;
    if (m.accuracy !== undefined) latest.accuracy = m.accuracy;
    if (m.sharpness !== undefined) latest.sharpness = m.sharpness;
    if (m.gradNorm !== undefined) latest.gradNorm = m.gradNorm;
    s.latest = latest;
  }
  if (typeof m.trainLoss === 'number' && Number.isFinite(m.trainLoss)) {
    s.minTrainLoss = s.minTrainLoss === undefined ? m.trainLoss : Math.min(s.minTrainLoss, m.trainLoss);
  }
}

function applyEvent(s: TrialSummary, e: TrialEvent): void {
  const attempt = e.attempt ?? 1;
  // An event of an older attempt never overrides what a newer attempt reported.
  if (s.attempt !== undefined && attempt < s.attempt) return;
  const terminal = outcomeOfEvent(e.event);
  if (s.attempt === attempt && s.status !== 'running' && !terminal) return;
  s.attempt = attempt;
  if (e.backend) s.backend = clip(e.backend);
  if (e.event === 'started') {
    s.status = 'running';
    if (e.time && !s.startedAt) s.startedAt = e.time;
    return;
  }
  if (terminal) {
    s.status = terminal;
    if (e.final) s.final = e.final;
    if (e.error !== undefined) s.error = clip(e.error);
    else delete s.error;
    if (e.durationMs !== undefined) s.durationMs = e.durationMs;
    if (e.time) s.endedAt = e.time;
  }
}

/** A summary's text stays short whatever a message holds, so its KV value stays well under 1 MB. */
function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
}

/** Returns a new summary with `m` applied (the input is not modified). */
export function applyMessage(prev: TrialSummary | undefined, m: BusMessage): TrialSummary {
  const s: TrialSummary = prev ? structuredClone(prev) : emptySummary(m.sweepId, m.trialId);
  if (isEvent(m)) applyEvent(s, m);
  else applyMetric(s, m);
  return inFieldOrder(s);
}

/** The fields in one order, whatever order the messages came in: the same summary is the same bytes. */
const FIELD_ORDER: ReadonlyArray<keyof TrialSummary> = [
  'sweepId', 'trialId', 'status', 'metrics', 'steps', 'latest', 'minTrainLoss', 'attempt', 'backend', 'final', 'error',
  'durationMs', 'startedAt', 'endedAt',
];

function inFieldOrder(s: TrialSummary): TrialSummary {
  const out: Record<string, unknown> = {};
  for (const k of FIELD_ORDER) if (s[k] !== undefined) out[k] = s[k];
  return out as unknown as TrialSummary;
}

/** Checks the fields every message needs; returns a one-line problem or undefined. */
export function messageProblem(m: unknown): string | undefined {
  return parseBusMessage(m).problem;
}
