// The metric and lifecycle messages (docs/architecture.md): the same JSON on NATS JetStream, on
// the in-process bus, in metrics.jsonl and on `sweep trial`'s stdout.
import type { Divergence } from './divergence.js';

/** One evaluation point of one trial. */
export interface MetricMessage {
  sweepId: string;
  trialId: string;
  step: number;
  trainLoss: number;
  testLoss?: number;
  /** classification accuracy on the test set */
  accuracy?: number;
  trainAccuracy?: number;
  /** top Hessian eigenvalue of the training loss on the fixed sharpness batch */
  sharpness?: number;
  /** sharpness × effective learning rate (edge of stability at 2) */
  sharpnessScaled?: number;
  gradNorm?: number;
  /** ‖W_t − W_0‖ / ‖W_0‖ per weight layer */
  weightMovement?: number[];
  /** coord check: mean |activation| (pre-activations h_l, then the output) per layer */
  coord?: number[];
  /** continual: index of the task being trained, and test accuracy/loss on every task so far */
  task?: number;
  taskAccuracy?: number[];
  taskLoss?: number[];
  /** a command trainer's own measurements by name (null: the value was not finite) */
  metrics?: Record<string, number | null>;
}

export const TRIAL_EVENTS = ['started', 'finished', 'diverged', 'failed', 'cancelled'] as const;
export type TrialEventKind = (typeof TRIAL_EVENTS)[number];

/** Final numbers of a trial: the last evaluation point plus what only the end knows. */
export interface FinalMetrics {
  step: number;
  trainLoss?: number;
  testLoss?: number;
  accuracy?: number;
  sharpness?: number;
  sharpnessScaled?: number;
  gradNorm?: number;
  /** lowest training loss seen at any evaluation point */
  minTrainLoss?: number;
  /** largest training loss of any step or evaluation point over the initial loss (finished
   *  trials); with the divergence bound off it lets the bound rule judge the run afterwards */
  peakLossRatio?: number;
}

/** Continual-learning summary (docs/science.md §3): a[t][i] = accuracy on task i after task t. */
export interface ContinualResult {
  matrix: number[][];
  averageAccuracy: number;
  averageForgetting: number;
}

/** Giant-step summary (docs/science.md §3, P5). */
export interface GiantStepResult {
  /** per giant step t (0 = init) and teacher direction r: max and mean |cos| over neurons */
  maxOverlap: number[][];
  meanOverlap: number[][];
  /** |cos| of the first update's top singular direction with each teacher direction */
  updateOverlap: number[];
  testLoss: number;
  /** alpha = n / d actually used */
  alpha: number;
  inputDim: number;
}

export interface TrialEvent {
  sweepId: string;
  trialId: string;
  event: TrialEventKind;
  /** step reached (diverged: the step whose loss diverged) */
  step?: number;
  /** compute backend in use, e.g. "wasm (2 threads)" */
  backend?: string;
  /** the learning-rate convention of the trial, e.g. "plain (docs/science.md §1): lr = η0; sgd, mup: every layer trains with η0·N" */
  lrConvention?: string;
  attempt?: number;
  error?: string;
  /** diverged: why (non-finite loss, or the divergenceFactor bound) */
  divergence?: Divergence;
  final?: FinalMetrics;
  continual?: ContinualResult;
  giantStep?: GiantStepResult;
  durationMs?: number;
  /** wall-clock time of the event, ISO 8601 (not part of any result comparison) */
  time?: string;
}

export type BusMessage = MetricMessage | TrialEvent;

export function isEvent(m: BusMessage): m is TrialEvent {
  return typeof (m as TrialEvent).event === 'string';
}

/** JetStream message id: a retried trainer or a reconnect never double-counts. */
export function messageId(m: BusMessage): string {
  return isEvent(m) ? `${m.trialId}:${m.step ?? 0}:${m.event}` : `${m.trialId}:${m.step}:metric`;
}

export const METRICS_STREAM = 'SWEEP_METRICS';
export const EVENTS_STREAM = 'SWEEP_EVENTS';
export const metricsSubject = (sweepId: string, trialId: string) => `sweep.metrics.${sweepId}.${trialId}`;
export const eventsSubject = (sweepId: string, trialId: string) => `sweep.events.${sweepId}.${trialId}`;
/** every subject of each stream: what the stream stores and what the aggregator consumes */
export const METRICS_SUBJECTS = 'sweep.metrics.>';
export const EVENTS_SUBJECTS = 'sweep.events.>';
