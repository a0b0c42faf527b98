// Schema of one resolved trial: what a single training run needs, nothing about the sweep.
// Every object is strict (unknown keys are errors) and every default is applied here, so a
// parsed config is complete and its hash (core/ids.ts) does not depend on what was omitted.
import { z } from 'zod';
import { MAX_EIGEN_ITERATIONS, MAX_EVAL_POINTS, MAX_HARMONICS, MAX_LAYERS, MAX_STEPS, MAX_TASKS, MAX_THREADS } from './bounds.js';
import { MNIST_PIXELS, mnistSizeProblem } from './mnist.js';
import { resourceIssues } from './resources.js';

const posInt = z.number().int().min(1);
const nonNegInt = z.number().int().min(0);
const posNum = z.number().positive();
const finite = z.number().finite();

export const ACTIVATIONS = ['relu', 'tanh', 'gelu', 'linear'] as const;
export const PARAMETRIZATIONS = ['sp', 'ntk', 'mup'] as const;
export const MULTI_INDEX_TARGETS = ['z1+z1*z2', 'He2(z1)', 'z1*z2', 'z1+z1*z2+z1*z2*z3'] as const;
/** number of teacher directions r each multi-index target uses */
export const MULTI_INDEX_RANK: Record<(typeof MULTI_INDEX_TARGETS)[number], number> = {
  'z1+z1*z2': 2, 'He2(z1)': 1, 'z1*z2': 2, 'z1+z1*z2+z1*z2*z3': 3,
};

/** Below this γ0 the centered float32 output loses its significant digits (docs/science.md §1). */
export const MIN_GAMMA = 1e-2;
export const MAX_GAMMA = 1e4;

// ---- tasks -------------------------------------------------------------------------------
// trainSize 0 means online: fresh samples every step, drawn from the trial's seed (SGD noise
// of one task). `task.seed` draws what defines the task: teacher, fixed sets, class means,
// rotation planes. Each kind's keys are declared once without `seed`: with it as a task of
// its own, without it as the base of a continual task (whose own seed draws the base too).

const taskSeed = { seed: nonNegInt.default(0) };

const teacherMlpKeys = z.strictObject({
  kind: z.literal('teacher-mlp'),
  inputDim: posInt.default(32),
  outputDim: posInt.default(1),
  trainSize: nonNegInt.default(4096),
  testSize: posInt.default(1024),
  teacherWidth: posInt.default(64),
  teacherDepth: posInt.max(MAX_LAYERS).default(2),
  teacherActivation: z.enum(ACTIVATIONS).default('tanh'),
  noise: z.number().min(0).default(0),
});
export const teacherMlpTask = teacherMlpKeys.extend(taskSeed);

export const circlePowerLawTask = z.strictObject({
  kind: z.literal('circle-power-law'),
  /** number of harmonics K in y = Σ_{k≤K} k^(−q) cos(kθ) */
  harmonics: posInt.max(MAX_HARMONICS).default(256),
  /** spectral decay q of the target; β = (2q − 1)/2 for ReLU (docs/science.md §2) */
  q: posNum.default(1),
  trainSize: nonNegInt.default(0),
  testSize: posInt.default(1024),
  ...taskSeed,
});

const multiIndexKeys = z.strictObject({
  kind: z.literal('multi-index'),
  inputDim: posInt.default(64),
  target: z.enum(MULTI_INDEX_TARGETS).default('z1+z1*z2'),
  trainSize: nonNegInt.default(0),
  testSize: posInt.default(2048),
  noise: z.number().min(0).default(0),
});
function checkRank(task: z.output<typeof multiIndexKeys>, ctx: z.RefinementCtx): void {
  const rank = MULTI_INDEX_RANK[task.target];
  if (task.inputDim < rank) {
    ctx.addIssue({ code: 'custom', path: ['inputDim'], message: `target ${task.target} needs at least ${rank} input dimensions, got ${task.inputDim}` });
  }
}
export const multiIndexTask = multiIndexKeys.extend(taskSeed).superRefine(checkRank);

const gaussianMixtureKeys = z.strictObject({
  kind: z.literal('gaussian-mixture'),
  inputDim: posInt.default(32),
  classes: z.number().int().min(2).default(4),
  /** distance of class means from the origin, in units of the per-coordinate noise std */
  separation: posNum.default(2),
  trainSize: nonNegInt.default(4096),
  testSize: posInt.default(1024),
});
export const gaussianMixtureTask = gaussianMixtureKeys.extend(taskSeed);

const teacherClassesKeys = z.strictObject({
  kind: z.literal('teacher-classes'),
  inputDim: posInt.default(32),
  classes: z.number().int().min(2).default(4),
  teacherWidth: posInt.default(64),
  trainSize: nonNegInt.default(4096),
  testSize: posInt.default(1024),
});
export const teacherClassesTask = teacherClassesKeys.extend(taskSeed);

const fileSource = z.strictObject({
  /** features: IDX (MNIST-style), CSV or NPY */
  x: z.string().min(1),
  /** labels or targets; for CSV may be omitted when labelColumn is given */
  y: z.string().min(1).optional(),
});

const fileKeys = z.strictObject({
  kind: z.literal('file'),
  format: z.enum(['idx', 'csv', 'npy']),
  train: fileSource,
  test: fileSource.optional(),
  /** CSV: column index of the label/target (default: last) */
  labelColumn: z.number().int().optional(),
  /** classification (integer labels) or regression (real targets) */
  problem: z.enum(['classification', 'regression']).default('classification'),
  /** when no test files: fraction of the training rows held out (drawn by task.seed) */
  testFraction: z.number().gt(0).lt(1).default(0.2),
  /** standardise features with the training set's mean and std */
  normalize: z.boolean().default(true),
  /** cap on rows read (0 = all), to run a quick sweep on a big file */
  maxRows: nonNegInt.default(0),
});
export const fileTask = fileKeys.extend(taskSeed);

const mnistKeys = z.strictObject({
  kind: z.literal('mnist'),
  /** the digits to classify (class c is the c-th digit listed), at least two, each once */
  classes: z.array(z.number().int().min(0).max(9)).min(2).default([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
  /** training digits, an equal share per class; drawn without overlap with the test digits */
  trainSize: posInt.default(4096),
  testSize: posInt.default(1024),
  /** standardise pixels with the training set's mean and std (one for all pixels) */
  normalize: z.boolean().default(true),
});
function checkMnist(task: z.output<typeof mnistKeys>, ctx: z.RefinementCtx): void {
  const seen = new Set<number>();
  task.classes.forEach((d, i) => {
    if (seen.has(d)) ctx.addIssue({ code: 'custom', path: ['classes', i], message: `digit ${d} is listed twice` });
    seen.add(d);
  });
  // the size check needs valid, distinct digits (zod runs this even when an element failed)
  const valid = task.classes.every((d) => Number.isInteger(d) && d >= 0 && d <= 9);
  if (!valid || seen.size !== task.classes.length || seen.size < 2) return;
  const problem = mnistSizeProblem(task.classes, task.trainSize, task.testSize);
  if (problem) ctx.addIssue({ code: 'custom', path: ['trainSize'], message: problem });
}
export const mnistTask = mnistKeys.extend(taskSeed).superRefine(checkMnist);

/** Tasks that can be the base of a continual sequence (a rotation of their inputs). */
export const baseTaskSchema = z.discriminatedUnion('kind', [
  teacherMlpKeys, multiIndexKeys.superRefine(checkRank), gaussianMixtureKeys, teacherClassesKeys, fileKeys,
  mnistKeys.superRefine(checkMnist),
]);

export const continualTask = z.strictObject({
  kind: z.literal('continual'),
  base: baseTaskSchema,
  /** number of tasks T in the sequence */
  tasks: z.number().int().min(2).max(MAX_TASKS).default(5),
  /** rotation per task, degrees: images (mnist, image files) turn about their centre, vectors
   *  in fixed random planes (P4 uses 22.5°) */
  rotationDegrees: finite.default(22.5),
  /** training steps per task; the total train.steps must equal tasks × stepsPerTask */
  stepsPerTask: posInt.max(MAX_STEPS).optional(),
  /** draws the base task and the rotation planes */
  ...taskSeed,
});

export const taskSchema = z.discriminatedUnion('kind', [
  teacherMlpTask, circlePowerLawTask, multiIndexTask, gaussianMixtureTask, teacherClassesTask,
  fileTask, mnistTask, continualTask,
]);

// ---- model -------------------------------------------------------------------------------

export const modelSchema = z.strictObject({
  kind: z.literal('mlp').default('mlp'),
  activation: z.enum(ACTIVATIONS).default('relu'),
  /** number of weight layers L (L = 1 is a linear model of the input) */
  depth: posInt.max(MAX_LAYERS).default(3),
  /** hidden width N */
  width: posInt.default(256),
  parametrization: z.enum(PARAMETRIZATIONS).default('mup'),
  /** output scale γ0 ("richness"); 1 is the plain parametrization */
  gamma: z.number().min(MIN_GAMMA, `below ${MIN_GAMMA}: float32 cannot resolve the centered output there`)
    .max(MAX_GAMMA).default(1),
  /** subtract a frozen copy of the initial network from the output; a sweep resolves it once
   *  for all its trials (core/grid/center.ts); a lone config without it: on iff γ0 ≠ 1 */
  center: z.boolean().optional(),
  bias: z.boolean().default(false),
});

// ---- optimizer ---------------------------------------------------------------------------

export const sgdSchema = z.strictObject({
  kind: z.literal('sgd'),
  /** η0 in the plain convention of docs/science.md §1 */
  lr: posNum,
  momentum: z.number().min(0).lt(1).default(0),
  weightDecay: z.number().min(0).default(0),
});

export const adamSchema = z.strictObject({
  kind: z.literal('adam'),
  lr: posNum,
  beta1: z.number().min(0).lt(1).default(0.9),
  beta2: z.number().min(0).lt(1).default(0.999),
  eps: posNum.default(1e-8),
  weightDecay: z.number().min(0).default(0),
});

export const optimizerSchema = z.discriminatedUnion('kind', [sgdSchema, adamSchema]);

// ---- training and measurements -----------------------------------------------------------

export const trainSchema = z.strictObject({
  steps: nonNegInt.max(MAX_STEPS).default(400),
  /** minibatch size; 0 = full batch (the whole fixed training set) */
  batchSize: nonNegInt.default(128),
  /** evaluate every k steps (0 = only the log-spaced points and the last step) */
  evalEvery: nonNegInt.default(25),
  /** extra log-spaced evaluation points over [1, steps] */
  logEvalPoints: nonNegInt.max(MAX_EVAL_POINTS).default(10),
  /** default: mse for regression tasks, xent for classification tasks */
  loss: z.enum(['mse', 'xent']).optional(),
  /**
   * loss above divergenceFactor × initial loss (or non-finite) ends the trial as diverged;
   * 0 turns the bound off, so only a non-finite loss ends it (P3's stability rule, docs/science.md §3)
   */
  divergenceFactor: z.number().min(0).default(1e6),
});

export const sharpnessSchema = z.strictObject({
  /** measure every k steps (and at step 0 and the last step) */
  every: posInt.default(50),
  /** iteration cap of power iteration / Lanczos */
  iterations: posInt.max(MAX_EIGEN_ITERATIONS).default(20),
  /** relative change of the eigenvalue estimate that stops the iteration */
  tol: posNum.default(1e-3),
  /** size of the fixed batch (chosen once per trial; the full set if smaller) */
  batchSize: posInt.default(512),
  method: z.enum(['power', 'lanczos']).default('power'),
});

export const coordCheckSchema = z.strictObject({
  /** record mean |activation| per layer for this many first steps on one fixed batch */
  steps: posInt.max(MAX_STEPS).default(3),
});

export const measureSchema = z.strictObject({
  sharpness: sharpnessSchema.optional(),
  gradNorm: z.boolean().default(true),
  weightMovement: z.boolean().default(true),
  coordCheck: coordCheckSchema.optional(),
});

/** P5's protocol: a few large first-layer steps on fresh batches of n = α·d, then a ridge readout. */
export const giantStepSchema = z.strictObject({
  /** n / d: samples per giant step relative to the input dimension */
  alpha: posNum,
  /** number of giant steps T */
  steps: posInt.max(MAX_TASKS).default(1),
  /** first-layer learning rate of each giant step, in units of sqrt(d) when scaleLr is true */
  lr: posNum.default(1),
  scaleLr: z.boolean().default(true),
  /** ridge penalty of the readout */
  ridge: z.number().min(0).default(1e-3),
  /** samples for fitting the readout (0 = 4·width) */
  readoutSize: nonNegInt.default(0),
});

export const backendSchema = z.strictObject({
  /** auto: tfjs-node-gpu when its build is installed (the trainer image), else wasm; tfjs-node
   *  (native CPU) only by name: scripts/install-tfjs-native.sh builds both */
  name: z.enum(['auto', 'tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu']).default('auto'),
  /** compute threads (wasm, or TensorFlow's intra-op pool); 0 = CPUs available to this process */
  threads: nonNegInt.max(MAX_THREADS).default(0),
  /** eager: one TensorFlow op at a time (bit-equal to packed runs); compiled: each training step
   *  as one TensorFlow graph (native backends, plain SGD; core/backend/compiled-step.ts) */
  step: z.enum(['eager', 'compiled']).default('eager'),
});

export const trialConfigSchema = z.strictObject({
  seed: nonNegInt.default(0),
  task: taskSchema,
  model: modelSchema.prefault({}),
  optimizer: optimizerSchema,
  train: trainSchema.prefault({}),
  measure: measureSchema.prefault({}),
  giantStep: giantStepSchema.optional(),
  /** where and how to compute; not part of the trial id */
  backend: backendSchema.prefault({}),
}).superRefine((config, ctx) => {
  // Cross-field checks, so a trial that cannot run fails at parse time with the field named.
  const task = config.task;
  if (task.kind === 'continual' && task.stepsPerTask !== undefined && config.train.steps !== task.tasks * task.stepsPerTask) {
    ctx.addIssue({
      code: 'custom', path: ['train', 'steps'],
      message: `must equal task.tasks × task.stepsPerTask = ${task.tasks} × ${task.stepsPerTask} = ${task.tasks * task.stepsPerTask}, got ${config.train.steps}`,
    });
  }
  const data = task.kind === 'continual' ? task.base : task;
  if (config.train.batchSize === 0 && !config.giantStep && data.kind !== 'file' && data.trainSize === 0) {
    ctx.addIssue({
      code: 'custom', path: ['train', 'batchSize'],
      message: `0 (full batch) needs a fixed training set, but the ${data.kind} task is online (trainSize 0)`,
    });
  }
  // A minibatch as large as the training set is the full batch: a second id for one result.
  if (!config.giantStep && data.kind !== 'file' && data.trainSize > 0 && config.train.batchSize >= data.trainSize) {
    ctx.addIssue({
      code: 'custom', path: ['train', 'batchSize'],
      message: `${config.train.batchSize} is not smaller than task${task.kind === 'continual' ? '.base' : ''}.trainSize ${data.trainSize}, so every step would use the whole training set; write 0 for full batch`,
    });
  }
  // A giant step larger than the fixed set reuses the whole set: every larger α would give the same result.
  const d = inputDimOf(data);
  if (config.giantStep && data.kind !== 'file' && data.trainSize > 0 && d !== undefined) {
    const n = Math.max(1, Math.round(config.giantStep.alpha * d));
    if (n > data.trainSize) {
      ctx.addIssue({
        code: 'custom', path: ['giantStep', 'alpha'],
        message: `${config.giantStep.alpha} asks for n = α·d = ${n} samples per giant step (d = ${d}), more than task.trainSize ${data.trainSize}; use trainSize 0 (fresh samples) or at least ${n}`,
      });
    }
  }
  // The trainer's own requirements (core/train).
  if (task.kind === 'continual' && task.stepsPerTask === undefined && config.train.steps % task.tasks !== 0) {
    ctx.addIssue({
      code: 'custom', path: ['train', 'steps'],
      message: `must be a multiple of task.tasks (${task.tasks}) so every task trains equally long, got ${config.train.steps}`,
    });
  }
  if (config.train.loss === 'xent' && !isClassification(task)) {
    ctx.addIssue({ code: 'custom', path: ['train', 'loss'], message: `xent needs a classification task, but ${data.kind} is regression` });
  }
  if (config.giantStep && config.model.depth !== 2) {
    ctx.addIssue({
      code: 'custom', path: ['model', 'depth'],
      message: `giantStep trains the first layer of a two-layer network: depth must be 2, got ${config.model.depth}`,
    });
  }
  if (config.giantStep && task.kind === 'continual') {
    ctx.addIssue({ code: 'custom', path: ['giantStep'], message: 'cannot be combined with a continual task' });
  }
  if (config.backend.step === 'compiled') {
    if (config.backend.name === 'wasm' || config.backend.name === 'cpu') {
      ctx.addIssue({ code: 'custom', path: ['backend', 'step'], message: `compiled runs on the native backends (tfjs-node, tfjs-node-gpu), not ${config.backend.name}` });
    }
    const o = config.optimizer;
    if (o.kind !== 'sgd' || o.momentum !== 0 || o.weightDecay !== 0) {
      ctx.addIssue({ code: 'custom', path: ['backend', 'step'], message: `compiled is plain SGD (momentum 0, weightDecay 0); this trial's optimizer is ${o.kind === 'sgd' ? `sgd with momentum ${o.momentum}, weightDecay ${o.weightDecay}` : o.kind}: use step eager` });
    }
    if (config.giantStep) ctx.addIssue({ code: 'custom', path: ['backend', 'step'], message: 'compiled does not run giantStep trials: use step eager' });
  }
}).superRefine((config, ctx) => {
  // Sizes the machine cannot hold are refused here, naming the value (core/config/resources.ts).
  for (const issue of resourceIssues(config, centered(config.model))) ctx.addIssue({ code: 'custom', ...issue });
});

export type TrialConfigInput = z.input<typeof trialConfigSchema>;
export type TrialConfig = z.output<typeof trialConfigSchema>;
export type TaskConfig = z.output<typeof taskSchema>;
export type BaseTaskConfig = z.output<typeof baseTaskSchema>;
export type ModelConfig = z.output<typeof modelSchema>;
export type OptimizerConfig = z.output<typeof optimizerSchema>;
export type TrainConfig = z.output<typeof trainSchema>;
export type MeasureConfig = z.output<typeof measureSchema>;
export type SharpnessConfig = z.output<typeof sharpnessSchema>;
export type GiantStepConfig = z.output<typeof giantStepSchema>;
export type BackendConfig = z.output<typeof backendSchema>;
export type Activation = (typeof ACTIVATIONS)[number];
export type Parametrization = (typeof PARAMETRIZATIONS)[number];

/** The input dimension a task config fixes (undefined for files: it is in the data). */
function inputDimOf(task: BaseTaskConfig | TaskConfig): number | undefined {
  switch (task.kind) {
    case 'circle-power-law': return 2;
    case 'mnist': return MNIST_PIXELS;
    case 'file': case 'continual': return undefined;
    default: return task.inputDim;
  }
}

/** Regression tasks train with MSE, classification tasks with cross-entropy, unless set. */
export function isClassification(task: TaskConfig | BaseTaskConfig): boolean {
  switch (task.kind) {
    case 'gaussian-mixture':
    case 'teacher-classes':
    case 'mnist':
      return true;
    case 'file':
      return task.problem === 'classification';
    case 'continual':
      return isClassification(task.base);
    default:
      return false;
  }
}

/** Whether the output is centered. Sweeps always set `center` (core/grid/center.ts); a config
 *  written without it, e.g. for `sweep trial`, centers exactly when γ0 ≠ 1. */
export function centered(model: ModelConfig): boolean {
  return model.center ?? model.gamma !== 1;
}
