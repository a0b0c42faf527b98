// Small hand-built tasks and configs for the trainer's tests.
import { modelSchema, optimizerSchema, trialConfigSchema, type TrialConfig, type TrialConfigInput } from '../../core/config/trial.js';
import type { Dataset, Task } from '../../core/tasks/task.js';
import { initBackend } from '../../core/train/run-trial.js';
import type { BackendConfig } from '../../core/config/trial.js';

/** The product's default backend here (wasm, one thread), initialised once per test file. */
export function useWasm(): Promise<string> {
  return initBackend({ name: 'wasm', threads: 1 });
}

/**
 * The backends every numerical check runs on: wasm (the default) and the native TensorFlow build,
 * one thread each. The native one is not optional here: `npm test` builds it first
 * (scripts/install-tfjs-native.sh), so a missing build fails these tests instead of skipping them.
 */
export const TEST_BACKENDS: readonly BackendConfig[] = [
  { name: 'wasm', threads: 1, step: 'eager' },
  { name: 'tfjs-node', threads: 1, step: 'eager' },
];

/** Makes a backend the active one; tests switch between suites, each suite on one backend. */
export function useBackend(backend: BackendConfig): Promise<string> {
  return initBackend(backend);
}

export function dataset(x: ArrayLike<number>, y: ArrayLike<number>, n: number, inputDim: number, outputDim: number, labels?: ArrayLike<number>): Dataset {
  const ds: Dataset = { n, inputDim, outputDim, x: Float32Array.from(x), y: Float32Array.from(y) };
  if (labels) ds.labels = Int32Array.from(labels);
  return ds;
}

/** A fixed-set task: batch(step, size) cycles through the training rows in order. */
export function fixedTask(train: Dataset, test: Dataset, classes?: number): Task {
  return {
    kind: 'fixture',
    inputDim: train.inputDim,
    outputDim: train.outputDim,
    classification: classes !== undefined,
    classes,
    train,
    test,
    batch(step, size) {
      if (size === 0 || size >= train.n) return train;
      const out = dataset(new Float32Array(size * train.inputDim), new Float32Array(size * train.outputDim), size, train.inputDim, train.outputDim);
      for (let i = 0; i < size; i++) {
        const r = (step * size + i) % train.n;
        out.x.set(train.x.subarray(r * train.inputDim, (r + 1) * train.inputDim), i * train.inputDim);
        out.y.set(train.y.subarray(r * train.outputDim, (r + 1) * train.outputDim), i * train.outputDim);
      }
      return out;
    },
  };
}

export const model = (m: object) => modelSchema.parse(m);
export const sgd = (lr = 0.1) => optimizerSchema.parse({ kind: 'sgd', lr });

export function trial(c: TrialConfigInput): TrialConfig {
  return trialConfigSchema.parse(c);
}
