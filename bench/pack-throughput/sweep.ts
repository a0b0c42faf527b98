// The benchmark's sweep, shared by both sides of bench/pack-throughput: an lr × seed grid of
// µP MLPs (depth 3, ReLU, ½·MSE, SGD) on one teacher-mlp task, every trial with the same width,
// batch and steps, so all of them share one pack key and train as one pack.
import { trialConfigSchema, type TrialConfig } from '../../core/config/trial.js';

/** tfjs-node-compiled: the native backend with backend.step compiled (one TensorFlow graph per step) */
export type OurBackend = 'wasm' | 'tfjs-node' | 'tfjs-node-compiled';
export const OUR_BACKENDS: readonly OurBackend[] = ['wasm', 'tfjs-node', 'tfjs-node-compiled'];

export interface SweepSettings {
  width: number;
  depth: number;
  inputDim: number;
  batch: number;
  steps: number;
  trainSize: number;
  testSize: number;
  teacherWidth: number;
  divergenceFactor: number;
  /** η0 of each trial (plain convention: µP SGD trains every layer with η0·N) */
  lrs: number[];
  seeds: number[];
}

/** `lrCount` learning rates doubling from `lr0`, each with seeds 0..seedCount-1 (lr-major). */
export function lrSeedGrid(lr0: number, lrCount: number, seedCount: number): { lrs: number[]; seeds: number[] } {
  const lrs: number[] = [], seeds: number[] = [];
  for (let i = 0; i < lrCount; i++) {
    for (let s = 0; s < seedCount; s++) {
      lrs.push(lr0 * 2 ** i);
      seeds.push(s);
    }
  }
  return { lrs, seeds };
}

/**
 * The trial configs of the sweep on `backend`. Evaluation only at step 0 and the last step, and
 * no gradient-norm or weight-movement measurement, so the sweep's time is its training (the JAX
 * side evaluates the same two losses at the same two points).
 */
export function sweepConfigs(s: SweepSettings, backend: OurBackend, threads: number): TrialConfig[] {
  return s.lrs.map((lr, i) => trialConfigSchema.parse({
    seed: s.seeds[i],
    task: { kind: 'teacher-mlp', inputDim: s.inputDim, trainSize: s.trainSize, testSize: s.testSize, teacherWidth: s.teacherWidth },
    model: { width: s.width, depth: s.depth, parametrization: 'mup', activation: 'relu', gamma: 1, center: false },
    optimizer: { kind: 'sgd', lr },
    train: { steps: s.steps, batchSize: s.batch, evalEvery: 0, logEvalPoints: 0, divergenceFactor: s.divergenceFactor },
    measure: { gradNorm: false, weightMovement: false },
    backend: backend === 'tfjs-node-compiled' ? { name: 'tfjs-node', threads, step: 'compiled' } : { name: backend, threads },
  }));
}
