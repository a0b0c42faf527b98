// backend.step: compiled for a trial: the native variant in use, the model structure its graph is
// exported for, and the trainer's constants (layer multipliers, learning rates) handed to it.
import type { TrialConfig } from '../config/trial.js';
import { centered } from '../config/trial.js';
import { activeBackendName } from '../backend/backend.js';
import { CompiledStep, CompiledStepUnavailable, prepareCompiledStep, type StepStructure } from '../backend/compiled-step.js';
import type { NativeVariant } from '../backend/native-location.js';
import { lossKindOf, type Trainer } from './trainer.js';

/** The native variant the compiled step runs on; the backend in use must be native. */
function variantInUse(): NativeVariant {
  const name = activeBackendName();
  if (name === 'tfjs-node') return 'cpu';
  if (name === 'tfjs-node-gpu') return 'gpu';
  throw new CompiledStepUnavailable(`backend.step compiled runs on the native backends (tfjs-node, tfjs-node-gpu); this process runs ${name ?? 'no backend'}`);
}

export function structureOf(config: TrialConfig): StepStructure {
  const m = config.model;
  return { depth: m.depth, activation: m.activation, bias: m.bias, loss: lossKindOf(config), centered: centered(m) };
}

/** Exports (first use on this machine) and loads the trial's graph; call after initBackend. */
export async function prepareCompiled(config: TrialConfig): Promise<void> {
  await prepareCompiledStep(variantInUse(), structureOf(config));
}

/** Makes `trainer` take every step through its compiled graph. */
export async function attachCompiled(trainer: Trainer): Promise<void> {
  const rates = trainer.optimizer.plainRates?.();
  if (!rates) throw new CompiledStepUnavailable('backend.step compiled is plain SGD (momentum 0, weightDecay 0)');
  const layers = trainer.mlp.layers;
  trainer.useCompiled(await CompiledStep.create(
    variantInUse(), trainer.stepStructure(), layers.map((l) => l.multiplier), layers.map((l) => l.biasMultiplier), rates,
  ));
}
