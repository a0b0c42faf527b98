// The ordinary training run (standard.ts) for a pack: every trial takes its steps on its own
// batches in one vectorised model and is measured at the same evaluation points. A trial that
// diverges, is cancelled or whose report fails ends at that step exactly as it would alone (its
// terminal outcome is handed to `end` at once) and leaves the pack; the others go on unaffected.
import type { TrialConfig } from '../../config/trial.js';
import type { MetricMessage } from '../../messages.js';
import type { Task } from '../../tasks/task.js';
import { probeDataset, TRAIN_SAMPLE_STEP } from '../../measure/probe.js';
import { evaluationPlan } from '../schedule.js';
import { Cancelled, Cooperation, Diverged, divergenceBound } from '../signals.js';
import type { FinalTracker, RunIo } from '../standard.js';
import { disposePacked, packedEvaluate, PackedDeviceDataset, subsetBatch, type PackedBatch } from './packed-data.js';
import { PackedSharpness } from './packed-sharpness.js';
import { compiledPackStep } from '../compiled.js';
import { PackedTrainer } from './packed-trainer.js';
import { PackedRowBatches } from './packed-gather.js';
import { activeBackendName } from '../../backend/backend.js';

/** Probe batch size when no sharpness section sets one (as standard.ts). */
const DEFAULT_PROBE = 512;
/** Online tasks: size cap of the fixed sample that stands in for the training set (as standard.ts). */
const MAX_TRAIN_SAMPLE = 16384;

export interface PackedTrial {
  config: TrialConfig;
  task: Task;
  io: RunIo;
  tracker: FinalTracker;
}

/**
 * How a trial left the pack: null when it ran all steps, else what runTrial would have caught
 * (Diverged, Cancelled, or the error of its emit).
 */
export type PackedEnd = (trial: number, err: unknown) => Promise<void>;

/** Whether these tasks give every trial data of the same shapes (a requirement of packing). */
export function sameShapes(tasks: readonly Task[]): boolean {
  const shape = (t: Task) => JSON.stringify([t.inputDim, t.outputDim, t.classification, t.train?.n ?? null, t.test.n, t.sequence !== undefined, t.test.labels !== undefined]);
  const first = shape(tasks[0]);
  return tasks.every((t) => shape(t) === first);
}

/** Trains the pack; `end` gets each trial's outcome (in the order they end), every trial exactly once. */
export async function trainPacked(trials: readonly PackedTrial[], end: PackedEnd): Promise<void> {
  const config = trials[0].config;
  const tasks = trials.map((t) => t.task);
  if (tasks.some((t) => t.sequence)) throw new Error('continual tasks train alone (their pack key is null)');
  const total = config.train.steps;
  const plan = evaluationPlan(config, total);
  const evalAt = new Set(plan.steps);
  const { batchSize, divergenceFactor } = config.train;
  const probeSize = config.measure.sharpness?.batchSize ?? DEFAULT_PROBE;
  const trainer = new PackedTrainer(trials.map((t) => t.config), tasks[0].inputDim, tasks[0].outputDim);
  if (config.backend.step === 'compiled') trainer.useCompiled(await compiledPackStep(config, trainer.model, trainer.optimizer.plainRates()!));
  // live[k]: the index in `trials` of the pack's k-th slice
  let live = trials.map((_, i) => i);
  const sharpness = config.measure.sharpness
    ? new PackedSharpness(trainer.model, trainer.loss, config.measure.sharpness, trials.map((t) => t.config.seed))
    : null;
  const samples = tasks.map((task) => task.train ?? task.batch(TRAIN_SAMPLE_STEP, Math.min(MAX_TRAIN_SAMPLE, Math.max(task.test.n, 1024))));
  const trainSet = new PackedDeviceDataset(samples, trainer.model, trainer.params0);
  const testSet = new PackedDeviceDataset(tasks.map((t) => t.test), trainer.model, trainer.params0);
  let probe: PackedBatch = trainer.device(trials.map((t) => probeDataset(t.task, probeSize, t.config.seed)));
  // fixed-set tasks: a full-batch step's batch is the training set itself, kept on the backend
  if (tasks.every((t) => t.train !== undefined)) trainer.setRecurring(tasks.map((t) => t.train!));
  // on the native backends; wasm's gather is slower than copying the rows in (width-64 packs: 15% slower sweeps)
  const backendName = activeBackendName();
  const gathered = backendName === 'tfjs-node' || backendName === 'tfjs-node-gpu' ? PackedRowBatches.of(tasks, batchSize) : null;
  const coop = new Cooperation(undefined);

  /** Ends trials `gone` (slice positions) with their outcomes and shrinks the pack to the rest. */
  const leave = async (gone: Map<number, unknown>) => {
    if (gone.size === 0) return;
    const keep = live.map((_, k) => k).filter((k) => !gone.has(k));
    const ended = [...gone].map(([k, err]) => [live[k], err] as const);
    if (keep.length > 0) {
      const model = trainer.subset(keep);
      sharpness?.subset(keep, model);
      trainSet.subset(keep);
      testSet.subset(keep);
      probe = subsetBatch(probe, keep);
    }
    live = keep.map((k) => live[k]);
    for (const [i, err] of ended) await end(i, err);
  };

  const measure = async (step: number) => {
    const train = packedEvaluate(trainer.model, trainer.params, trainSet, trainer.loss);
    const test = packedEvaluate(trainer.model, trainer.params, testSet, trainer.loss);
    const ms = live.map((i, k): MetricMessage => {
      const { io } = trials[i];
      const m: MetricMessage = { sweepId: io.sweepId, trialId: io.trialId, step, trainLoss: train[k].loss, testLoss: test[k].loss };
      if (test[k].accuracy !== undefined) m.accuracy = test[k].accuracy;
      if (train[k].accuracy !== undefined) m.trainAccuracy = train[k].accuracy;
      return m;
    });
    // a non-finite training loss ends the trial here, before any other measurement
    const gone = new Map<number, unknown>();
    ms.forEach((m, k) => {
      const { tracker } = trials[live[k]];
      if (tracker.initialLoss === null) tracker.initialLoss = m.trainLoss;
      if (!Number.isFinite(m.trainLoss)) gone.set(k, new Diverged(step, m.trainLoss, divergenceBound(divergenceFactor, tracker.initialLoss)));
    });
    const rest = ms.filter((_, k) => !gone.has(k));
    await leave(gone);
    if (live.length === 0) return;
    const gradNorms: (number | undefined)[] = new Array<undefined>(live.length).fill(undefined);
    if (sharpness && plan.sharpness.has(step)) {
      const s = sharpness.measure(trainer.params, probe, () => trainer.optimizer.preconditioner());
      s.forEach((v, k) => {
        rest[k].sharpness = v.sharpness;
        if (v.sharpnessScaled !== undefined) rest[k].sharpnessScaled = v.sharpnessScaled;
        gradNorms[k] = v.gradNorm;
      });
    }
    if (config.measure.gradNorm) {
      const g = gradNorms.some((x) => x === undefined) ? trainer.gradNorm(probe) : null;
      rest.forEach((m, k) => { m.gradNorm = gradNorms[k] ?? g![k]; });
    }
    if (config.measure.weightMovement) trainer.weightMovement().forEach((w, k) => { rest[k].weightMovement = w; });
    if (plan.coord.has(step)) trainer.coord(probe).forEach((c, k) => { rest[k].coord = c; });
    const failed = new Map<number, unknown>();
    for (let k = 0; k < live.length; k++) {
      const { tracker, io } = trials[live[k]];
      const m = rest[k];
      tracker.observe(m.trainLoss);
      tracker.record(m);
      try {
        await io.emit(m);
      } catch (err) {
        failed.set(k, err);
      }
    }
    await leave(failed);
  };

  /** One step of the live trials: on batches gathered on the backend when it can, else copied in. */
  const stepAt = (step: number): number[] => {
    if (!gathered) return trainer.step(live.map((i) => tasks[i].batch(step, batchSize)));
    const batch = gathered.batch(live, step);
    try {
      return trainer.stepOn(trainer.withInitial(batch));
    } finally {
      disposePacked(batch);
    }
  };

  try {
    for (let step = 0; ; step++) {
      if (evalAt.has(step)) await measure(step);
      if (live.length === 0 || step === total) break;
      await coop.check(step);
      const cancelled = new Map<number, unknown>();
      live.forEach((i, k) => { if (trials[i].io.signal?.aborted) cancelled.set(k, new Cancelled(step)); });
      await leave(cancelled);
      if (live.length === 0) break;
      const losses = stepAt(step);
      const diverged = new Map<number, unknown>();
      losses.forEach((loss, k) => {
        const { tracker } = trials[live[k]];
        const bound = divergenceBound(divergenceFactor, tracker.initialLoss);
        if (!Number.isFinite(loss) || loss > bound) diverged.set(k, new Diverged(step, loss, bound));
        else tracker.observe(loss);
      });
      await leave(diverged);
      if (live.length === 0) break;
    }
  } finally {
    sharpness?.dispose();
    gathered?.dispose();
    trainSet.dispose();
    testSet.dispose();
    disposePacked(probe);
    trainer.dispose();
  }
  for (const i of live) trials[i].tracker.finish();
  for (const i of live) await end(i, null);
}
