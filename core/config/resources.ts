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

/**
 * What the estimate reads from a trial config: a structural part of TrialConfig, declared here so
 * the schema module can call the estimate without the two importing each other.
 */
export interface SizedTask {
  kind: string;
  inputDim?: number;
  outputDim?: number;
  classes?: number | readonly number[];
  trainSize?: number;
  testSize?: number;
  teacherWidth?: number;
  teacherDepth?: number;
  harmonics?: number;
  tasks?: number;
  base?: SizedTask;
}
export interface SizedTrial {
  task: SizedTask;
  model: { depth: number; width: number; bias: boolean };
  optimizer: { kind: string; momentum?: number };
  train: { steps: number; batchSize: number; evalEvery: number; logEvalPoints: number };
  measure: { sharpness?: { every: number; iterations: number; batchSize: number; method: string }; coordCheck?: { steps: number } };
  giantStep?: { alpha: number; readoutSize: number };
}

const num = (v: unknown) => (typeof v === 'number' ? v : 0);

/** Input and output dimension of a task, and its data sizes; file tasks are known only from their files. */
function taskShape(config: SizedTrial) {
  const task = config.task;
  const data = task.kind === 'continual' && task.base ? task.base : task;
  let inputDim = num(data.inputDim), outputDim = 0, teacher = 0;
  const classes = Array.isArray(data.classes) ? data.classes.length : num(data.classes);
  // a test checks that every task kind of the schema is sized here (file tasks: by their files)
  switch (data.kind) {
    case 'teacher-mlp': {
      outputDim = num(data.outputDim);
      const w = num(data.teacherWidth), depth = num(data.teacherDepth);
      teacher = (depth === 1 ? inputDim * outputDim : inputDim * w + w * w * (depth - 2) + w * outputDim) * F64;
      break;
    }
    case 'circle-power-law': inputDim = 2; outputDim = 1; teacher = num(data.harmonics) * F64; break;
    case 'multi-index': outputDim = 1; break;
    case 'gaussian-mixture': outputDim = classes; teacher = classes * inputDim * F64; break;
    case 'teacher-classes': outputDim = classes; teacher = (inputDim * num(data.teacherWidth) + num(data.teacherWidth) * classes) * F64; break;
    case 'mnist': inputDim = MNIST_PIXELS; outputDim = classes; break;
    default: inputDim = 0;
  }
  const copies = task.kind === 'continual' ? num(task.tasks) : 1;
  return { inputDim, outputDim, trainSize: num(data.trainSize), testSize: num(data.testSize), teacher, copies };
}

/** Input and output dimension a trial's task fixes; 0 for a file task (known only from its files). */
export function taskDims(config: SizedTrial): { inputDim: number; outputDim: number } {
  const { inputDim, outputDim } = taskShape(config);
  return { inputDim, outputDim };
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
function dominantPath(config: SizedTrial, centered: boolean): string[] {
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
function withValue(config: SizedTrial, keys: string[], value: number): SizedTrial | undefined {
  const copy = (obj: unknown, i: number): unknown => {
    if (typeof obj !== 'object' || obj === null || !Object.hasOwn(obj, keys[i])) return undefined;
    const cur = (obj as Record<string, unknown>)[keys[i]];
    const next = i === keys.length - 1 ? (typeof cur === 'number' && cur > value ? value : undefined) : copy(cur, i + 1);
    return next === undefined ? undefined : { ...obj, [keys[i]]: next };
  };
  return copy(config, 0) as SizedTrial | undefined;
}

export function estimateTrial(config: SizedTrial, centered: boolean): ResourceEstimate {
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
    + (opt.kind === 'adam' ? 2 : num(opt.momentum) > 0 ? 1 : 0)
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
export function evaluationPoints(config: SizedTrial): number {
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
export function resourceIssues(config: SizedTrial, centered: boolean): ResourceIssue[] {
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
