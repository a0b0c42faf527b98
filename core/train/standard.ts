// The ordinary training run: SGD/Adam steps on the task's batches with measurements at the
// evaluation points. A continual task is the same loop over its sequence, one task after
// another with the same weights and optimizer, plus the accuracy matrix of docs/science.md §3.
import * as tf from '@tensorflow/tfjs';
import type { TrialConfig } from '../config/trial.js';
import type { ContinualResult, FinalMetrics, MetricMessage } from '../messages.js';
import type { Task } from '../tasks/task.js';
import { DeviceDataset, evaluate, type Evaluation } from '../measure/evaluate.js';
import { disposeBatch, probeDataset, TRAIN_SAMPLE_STEP, type DeviceBatch } from '../measure/probe.js';
import { SharpnessEstimator, type SharpnessValue } from '../measure/sharpness.js';
import { continualSummary } from './continual.js';
import { evaluationPlan } from './schedule.js';
import { Cooperation, Diverged, divergenceBound } from './signals.js';
import type { Trainer } from './trainer.js';

/** Probe batch size when no sharpness section sets one (gradient norm and coord check only). */
const DEFAULT_PROBE = 512;
/** Online tasks: size cap of the fixed sample that stands in for the training set. */
const MAX_TRAIN_SAMPLE = 16384;

export interface RunIo {
  sweepId: string;
  trialId: string;
  emit(msg: MetricMessage): void | Promise<void>;
  signal?: AbortSignal;
}

export interface StandardOutcome {
  final: FinalMetrics;
  continual?: ContinualResult;
}

/** Tracks what the terminal event reports, also when the run ends early. */
export class FinalTracker {
  final: FinalMetrics = { step: 0 };
  initialLoss: number | null = null;
  /** largest finite training loss seen (steps and evaluations) */
  peakLoss = 0;

  /** A finite training loss of a step or an evaluation, for peakLossRatio. */
  observe(loss: number): void {
    if (Number.isFinite(loss) && loss > this.peakLoss) this.peakLoss = loss;
  }

  /** The run finished: its peak loss relative to the initial one. */
  finish(): FinalMetrics {
    if (this.initialLoss !== null && this.initialLoss > 0) this.final.peakLossRatio = this.peakLoss / this.initialLoss;
    return this.final;
  }

  record(m: MetricMessage): void {
    const min = Math.min(this.final.minTrainLoss ?? Infinity, Number.isFinite(m.trainLoss) ? m.trainLoss : Infinity);
    this.final = { step: m.step, trainLoss: m.trainLoss };
    if (m.testLoss !== undefined) this.final.testLoss = m.testLoss;
    if (m.accuracy !== undefined) this.final.accuracy = m.accuracy;
    if (m.sharpness !== undefined) this.final.sharpness = m.sharpness;
    if (m.sharpnessScaled !== undefined) this.final.sharpnessScaled = m.sharpnessScaled;
    if (m.gradNorm !== undefined) this.final.gradNorm = m.gradNorm;
    if (Number.isFinite(min)) this.final.minTrainLoss = min;
  }

  /**
   * The run diverged at `step` with training loss `loss`: the final metrics are those of that
   * step (the earlier evaluation's test loss, accuracy etc. no longer describe the network), so
   * a diverged trial never shows its last good — or initial — loss as its final one. A
   * non-finite loss is kept as it is (JSON writes it as null; the trial's error names it).
   */
  diverged(step: number, loss: number): void {
    const min = this.final.minTrainLoss;
    this.final = { step, trainLoss: loss };
    if (min !== undefined) this.final.minTrainLoss = min;
  }
}

/** Steps per task of a continual sequence (the config checks guarantee they divide evenly). */
export function stepsPerTask(config: TrialConfig, tasks: number): number {
  const c = config.task;
  if (c.kind === 'continual' && c.stepsPerTask !== undefined) return c.stepsPerTask;
  return Math.floor(config.train.steps / tasks);
}

export async function trainStandard(config: TrialConfig, task: Task, trainer: Trainer, io: RunIo, tracker: FinalTracker): Promise<StandardOutcome> {
  const sequence = task.sequence ?? [task];
  const T = sequence.length;
  const continual = task.sequence !== undefined;
  const perTask = continual ? stepsPerTask(config, T) : config.train.steps;
  const total = perTask * T;
  const boundaries = sequence.map((_, t) => (t + 1) * perTask);
  const plan = evaluationPlan(config, total, continual ? boundaries : []);
  const evalAt = new Set(plan.steps);
  const { mlp, params0 } = trainer;
  const { batchSize, divergenceFactor } = config.train;
  const probeSize = config.measure.sharpness?.batchSize ?? DEFAULT_PROBE;
  const sharpness = config.measure.sharpness
    ? new SharpnessEstimator(mlp, trainer.loss, config.measure.sharpness, config.seed)
    : null;
  const tests: DeviceDataset[] = [];
  let current = -1;
  // the current task's training-loss set and probe batch (replaced when the task changes)
  const on: { trainSet: DeviceDataset | null; probe: DeviceBatch | null } = { trainSet: null, probe: null };
  const matrix: number[][] = [];
  const coop = new Cooperation(io.signal);
  // where a multi-step call must stop: evaluation points, task boundaries, the end
  const stops = [...new Set([...plan.steps, ...boundaries, total])].sort((a, b) => a - b);
  let next = 0;
  const perCall = trainer.stepsPerCall(batchSize, sequence[0].test.inputDim + sequence[0].test.outputDim);

  const enter = (t: number) => {
    on.trainSet?.dispose();
    if (on.probe) disposeBatch(on.probe);
    const cur = sequence[t];
    const sample = cur.train ?? cur.batch(TRAIN_SAMPLE_STEP, Math.min(MAX_TRAIN_SAMPLE, Math.max(cur.test.n, 1024)));
    on.trainSet = new DeviceDataset(sample, mlp, params0);
    on.probe = trainer.device(probeDataset(cur, probeSize, config.seed));
    trainer.setRecurring(cur.train ?? null);
    if (!tests[t]) tests[t] = new DeviceDataset(cur.test, mlp, params0);
    current = t;
  };
  const testOf = (i: number): Evaluation => {
    if (!tests[i]) tests[i] = new DeviceDataset(sequence[i].test, mlp, params0);
    return evaluate(mlp, trainer.params, tests[i], trainer.loss);
  };

  const measure = (step: number): MetricMessage => {
    const train = evaluate(mlp, trainer.params, on.trainSet!, trainer.loss);
    const test = testOf(current);
    const m: MetricMessage = { sweepId: io.sweepId, trialId: io.trialId, step, trainLoss: train.loss, testLoss: test.loss };
    if (test.accuracy !== undefined) m.accuracy = test.accuracy;
    if (train.accuracy !== undefined) m.trainAccuracy = train.accuracy;
    if (!Number.isFinite(train.loss)) return m;
    let gradNorm: number | undefined;
    if (sharpness && plan.sharpness.has(step)) {
      // the preconditioner's tensors belong to the caller: made and freed in one tidy
      let s!: SharpnessValue;
      tf.tidy(() => { s = sharpness.measure(trainer.params, on.probe!, trainer.optimizer.preconditioner()); });
      m.sharpness = s.sharpness;
      if (s.sharpnessScaled !== undefined) m.sharpnessScaled = s.sharpnessScaled;
      gradNorm = s.gradNorm;
    }
    if (config.measure.gradNorm) m.gradNorm = gradNorm ?? trainer.gradNorm(on.probe!);
    if (config.measure.weightMovement) m.weightMovement = trainer.weightMovement();
    if (plan.coord.has(step)) m.coord = trainer.coord(on.probe!);
    if (continual) {
      m.task = current;
      const evs = sequence.slice(0, current + 1).map((_, i) => (i === current ? test : testOf(i)));
      m.taskLoss = evs.map((e) => e.loss);
      if (evs[0].accuracy !== undefined) m.taskAccuracy = evs.map((e) => e.accuracy!);
    }
    return m;
  };

  try {
    enter(0);
    for (let step = 0; ; step++) {
      if (evalAt.has(step)) {
        const m = measure(step);
        if (tracker.initialLoss === null) tracker.initialLoss = m.trainLoss;
        if (!Number.isFinite(m.trainLoss)) throw new Diverged(step, m.trainLoss, divergenceBound(divergenceFactor, tracker.initialLoss));
        tracker.observe(m.trainLoss);
        tracker.record(m);
        await io.emit(m);
      }
      if (continual && boundaries.includes(step) && step > 0) {
        // accuracy (classification) or test loss (regression) on every task after finishing one
        matrix.push(sequence.map((_, i) => {
          const e = testOf(i);
          return e.accuracy ?? e.loss;
        }));
      }
      if (step === total) break;
      await coop.check(step);
      const t = Math.floor(step / perTask);
      if (t !== current) enter(t);
      // steps up to the next evaluation point or task boundary may go in one call (compiled step)
      while (stops[next] <= step) next++;
      const k = Math.min(perCall, stops[next] - step);
      const cur = sequence[t];
      const losses = k === 1
        ? [trainer.step(cur.batch(step - t * perTask, batchSize))]
        : trainer.steps(Array.from({ length: k }, (_, i) => cur.batch(step + i - t * perTask, batchSize)));
      const bound = divergenceBound(divergenceFactor, tracker.initialLoss);
      for (let i = 0; i < k; i++) {
        // the first diverged step ends the run, as if the steps had been taken one at a time
        if (!Number.isFinite(losses[i]) || losses[i] > bound) throw new Diverged(step + i, losses[i], bound);
        tracker.observe(losses[i]);
      }
      step += k - 1;
    }
  } finally {
    sharpness?.dispose();
    on.trainSet?.dispose();
    if (on.probe) disposeBatch(on.probe);
    for (const d of tests) d?.dispose();
  }
  const out: StandardOutcome = { final: tracker.finish() };
  if (continual) out.continual = continualSummary(matrix, sequence[0].classification);
  return out;
}
