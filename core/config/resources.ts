// What one trial needs in memory, estimated from its config before it runs, so an impossible
// size (a width of 10⁹, a training set of 10⁸ rows) is refused when the spec is checked, naming
// the value and the memory, instead of failing inside the trainer with an allocation error.
//
// Estimate (float32 = 4 bytes): parameters × 4 × copies (weights, initial copy, gradients,
// optimizer state, the frozen copy of a centered model, the sharpness solver's vectors) + the
// data sets (host and device copies; every task of a continual sequence) + the activations of
// the largest batch a step, an evaluation chunk or a measurement processes + teacher networks
// (float64) + the giant-step readout's Gram matrix; × 1.5 for allocator growth (the wasm heap
// grows in steps and never shrinks) + 256 MiB for the runtime itself. Measured: a width-4096,
// depth-3 Adam trial with sharpness peaked at 1.8 GiB resident against 2.1 GiB estimated.
import { formatBytes, formatCount } from './quantities.js';
import { MAX_EVAL_POINTS, MAX_TRIAL_BYTES } from './bounds.js';
import { MNIST_PIXELS } from './mnist.js';
import type { TrialConfig } from './trial.js';

const F32 = 4;
const F64 = 8;
/** rows of an evaluation chunk (core/measure/evaluate.ts) */
const EVAL_CHUNK_ROWS = 4096;
/** tensors per layer input kept for one batch: z, h, δ, and their R-operator counterparts */
const ACTIVATION_COPIES = 6;
/** allocator headroom over the sum of live tensors, and the runtime (Node, tfjs, wasm) itself */
const HEADROOM = 1.5;
const RUNTIME_BYTES = 256 * 1024 ** 2;

export interface ResourceEstimate {
  parameters: number;
  /** copies of the parameters held at once */
  copies: number;
  bytes: number;
  /** "parameters 2.1 GiB, data 1.0 GiB, ..." */
  detail: string;
}

/** Input and output dimension of a task, and its data sizes; file tasks are known only from their files. */
function taskShape(config: TrialConfig) {
  const task = config.task;
  const data = task.kind === 'continual' ? task.base : task;
  let inputDim = 0, outputDim = 0, teacher = 0;
  switch (data.kind) {
    case 'teacher-mlp': {
      inputDim = data.inputDim; outputDim = data.outputDim;
      const w = data.teacherWidth;
      teacher = (data.teacherDepth === 1 ? inputDim * outputDim : inputDim * w + w * w * (data.teacherDepth - 2) + w * outputDim) * F64;
      break;
    }
    case 'circle-power-law': inputDim = 2; outputDim = 1; teacher = data.harmonics * F64; break;
    case 'multi-index': inputDim = data.inputDim; outputDim = 1; break;
    case 'gaussian-mixture': inputDim = data.inputDim; outputDim = data.classes; teacher = data.classes * inputDim * F64; break;
    case 'teacher-classes': inputDim = data.inputDim; outputDim = data.classes; teacher = (inputDim * data.teacherWidth + data.teacherWidth * data.classes) * F64; break;
    case 'mnist': inputDim = MNIST_PIXELS; outputDim = data.classes.length; break;
    case 'file': break;
    default: {
      // every task kind must say its size here: this fails to compile when one is added
      const unhandled: never = data;
      return unhandled;
    }
  }
  const trainSize = data.kind === 'file' ? 0 : data.trainSize;
  const testSize = data.kind === 'file' ? 0 : data.testSize;
  const copies = task.kind === 'continual' ? task.tasks : 1;
  return { inputDim, outputDim, trainSize, testSize, teacher, copies };
}

/** Config values the estimate grows with; the one to name is found by lowering each in turn. */
const SIZE_PATHS = [
  'model.width', 'model.depth', 'task.inputDim', 'task.outputDim', 'task.classes', 'task.trainSize', 'task.testSize',
  'task.teacherWidth', 'task.teacherDepth', 'task.harmonics', 'task.tasks', 'task.base.inputDim', 'task.base.outputDim',
  'task.base.classes', 'task.base.trainSize', 'task.base.testSize', 'task.base.teacherWidth', 'task.base.teacherDepth',
  'train.batchSize', 'measure.sharpness.batchSize', 'measure.sharpness.iterations', 'giantStep.alpha', 'giantStep.readoutSize',
];

/** Depths go down to 2 (depth 1 has no hidden width, which would make any depth look responsible). */
const floorOf = (path: string) => (path.endsWith('epth') ? 2 : 1);

/** The path of the value whose reduction (to 1, depths to 2) lowers the estimate most: the one a message names. */
function dominantPath(config: TrialConfig, centered: boolean): string[] {
  let best: string[] = ['model', 'width'];
  let lowest = Infinity;
  for (const path of SIZE_PATHS) {
    const keys = path.split('.');
    const smaller = withValue(config, keys, floorOf(path));
    if (!smaller) continue;
    const bytes = estimateTrial(smaller, centered).bytes;
    if (bytes < lowest) {
      lowest = bytes;
      best = keys;
    }
  }
  return best;
}

/** A copy of `config` with the number at `keys` set to `value`, or undefined when there is none. */
function withValue(config: TrialConfig, keys: string[], value: number): TrialConfig | undefined {
  const copy = (obj: unknown, i: number): unknown => {
    if (typeof obj !== 'object' || obj === null || !Object.hasOwn(obj, keys[i])) return undefined;
    const cur = (obj as Record<string, unknown>)[keys[i]];
    const next = i === keys.length - 1 ? (typeof cur === 'number' && cur > value ? value : undefined) : copy(cur, i + 1);
    return next === undefined ? undefined : { ...obj, [keys[i]]: next };
  };
  return copy(config, 0) as TrialConfig | undefined;
}

export function estimateTrial(config: TrialConfig, centered: boolean): ResourceEstimate {
  const t = taskShape(config);
  const { depth, width, bias } = config.model;
  // in closed form, never by layer: the estimate also runs on configs whose depth is out of bounds
  const D = t.inputDim, N = width, K = t.outputDim;
  const parameters = depth === 1
    ? D * K + (bias ? K : 0)
    : D * N + (depth - 2) * N * N + N * K + (bias ? (depth - 1) * N + K : 0);
  const units = D + (depth - 1) * N + K;

  const opt = config.optimizer;
  const sharpness = config.measure.sharpness;
  const copies = 3 // weights, initial copy, gradients
    + (opt.kind === 'adam' ? 2 : opt.momentum > 0 ? 1 : 0)
    + (centered ? 1 : 0)
    + (sharpness ? (sharpness.method === 'lanczos' ? sharpness.iterations + 3 : 3) : 0);
  const paramBytes = parameters * F32 * copies;

  const dataBytes = (t.trainSize + t.testSize) * (t.inputDim + t.outputDim) * F32 * 2 * t.copies;

  const gs = config.giantStep;
  const rows = Math.max(
    config.train.batchSize > 0 ? config.train.batchSize : t.trainSize,
    Math.min(EVAL_CHUNK_ROWS, Math.max(t.trainSize, t.testSize)),
    sharpness ? sharpness.batchSize : 0,
    gs ? Math.round(gs.alpha * t.inputDim) : 0,
    gs ? (gs.readoutSize > 0 ? gs.readoutSize : 4 * width) : 0,
  );
  const activationBytes = rows * units * F32 * ACTIVATION_COPIES;
  const readoutBytes = gs ? width * width * F64 * 2 : 0;

  const parts: [string, number][] = [
    [`parameters ${formatCount(parameters)} × ${F32} bytes × ${copies} copies`, paramBytes],
    ['data', dataBytes],
    [`activations of ${formatCount(rows)} rows × ${formatCount(units)} units`, activationBytes],
    ['teacher', t.teacher],
    ['readout', readoutBytes],
  ];
  const bytes = parts.reduce((a, p) => a + p[1], 0) * HEADROOM + RUNTIME_BYTES;
  const detail = `${parts.filter((p) => p[1] > 0).sort((a, b) => b[1] - a[1]).map((p) => `${p[0]}: ${formatBytes(p[1])}`).join(', ')}; × ${HEADROOM} + ${formatBytes(RUNTIME_BYTES)} runtime`;
  return { parameters, copies, bytes, detail };
}

/** Evaluation points a trial records (an upper bound of core/train/schedule.ts's plan). */
export function evaluationPoints(config: TrialConfig): number {
  const steps = config.train.steps;
  const every = (k: number) => (k > 0 ? Math.floor(steps / k) : 0);
  // log-spaced points are distinct steps, so never more than there are steps
  return 2 + Math.min(config.train.logEvalPoints, steps) + every(config.train.evalEvery) + every(config.measure.sharpness?.every ?? 0)
    + Math.min(config.measure.coordCheck?.steps ?? 0, steps);
}

export interface ResourceIssue {
  path: (string | number)[];
  message: string;
}

/** Why a trial cannot run here: more memory than MAX_TRIAL_BYTES, or too many evaluation points. */
export function resourceIssues(config: TrialConfig, centered: boolean): ResourceIssue[] {
  const issues: ResourceIssue[] = [];
  const est = estimateTrial(config, centered);
  if (!(est.bytes <= MAX_TRIAL_BYTES)) {
    issues.push({
      path: dominantPath(config, centered),
      message: `the trial would need about ${formatBytes(est.bytes)} of memory (${est.detail}), more than the ${formatBytes(MAX_TRIAL_BYTES)} a trial may use`,
    });
  }
  const points = evaluationPoints(config);
  if (points > MAX_EVAL_POINTS) {
    issues.push({
      path: ['train', 'evalEvery'],
      message: `the trial would record ${points} evaluation points (train.steps / evalEvery, sharpness.every, logEvalPoints), more than the ${MAX_EVAL_POINTS} a trial may have`,
    });
  }
  return issues;
}
