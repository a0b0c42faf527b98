// backend.step: compiled for a trial or a pack: the native variant in use, the model structure
// its graph is exported for, and the constants (layer multipliers, learning rates) handed to it.
import * as tf from '@tensorflow/tfjs';
import type { TrialConfig } from '../config/trial.js';
import { centered } from '../config/trial.js';
import { activeBackendName } from '../backend/backend.js';
import { CompiledStep, CompiledStepUnavailable, prepareCompiledStep, type StepConstants, type StepStructure } from '../backend/compiled-step.js';
import type { NativeVariant } from '../backend/native-location.js';
import type { PackedMlp } from '../model/packed-mlp.js';
import { lossKindOf, type Trainer } from './trainer.js';

/** The native variant the compiled step runs on; the backend in use must be native. */
function variantInUse(): NativeVariant {
  const name = activeBackendName();
  if (name === 'tfjs-node') return 'cpu';
  if (name === 'tfjs-node-gpu') return 'gpu';
  throw new CompiledStepUnavailable(`backend.step compiled runs on the native backends (tfjs-node, tfjs-node-gpu); this process runs ${name ?? 'no backend'}`);
}

export function structureOf(config: TrialConfig, packed = false): StepStructure {
  const m = config.model;
  return { depth: m.depth, activation: m.activation, bias: m.bias, loss: lossKindOf(config), centered: centered(m), packed };
}

/** Exports (first use on this machine) and loads the graph; call after initBackend. */
export async function prepareCompiled(config: TrialConfig, packed = false, anyCentered = centered(config.model)): Promise<void> {
  await prepareCompiledStep(variantInUse(), { ...structureOf(config, packed), centered: anyCentered });
}

/** Makes `trainer` take every step through its compiled graph. */
export async function attachCompiled(trainer: Trainer): Promise<void> {
  const rates = trainer.optimizer.plainRates?.();
  if (!rates) throw new CompiledStepUnavailable('backend.step compiled is plain SGD (momentum 0, weightDecay 0)');
  const layers = trainer.mlp.layers;
  trainer.useCompiled(await CompiledStep.create(variantInUse(), trainer.stepStructure(), {
    mult: tf.tensor1d(layers.map((l) => l.multiplier)),
    bmult: tf.tensor1d(layers.map((l) => l.biasMultiplier)),
    rates: tf.tensor1d(rates),
  }));
}

/** A pack's constants: [T, L] multipliers and [T, P] rates (rates[param][trial] as the packed optimizer holds them). */
export function packedConstants(model: PackedMlp, rates: readonly (readonly number[])[]): StepConstants {
  const T = model.trials, L = model.depth, P = rates.length;
  const perLayer = (pick: (l: PackedMlp['members'][number]['layers'][number]) => number) =>
    tf.tensor2d(Float32Array.from(model.members.flatMap((m) => m.layers.map(pick))), [T, L]);
  const r = new Float32Array(T * P);
  for (let t = 0; t < T; t++) for (let i = 0; i < P; i++) r[t * P + i] = rates[i][t];
  return { mult: perLayer((l) => l.multiplier), bmult: perLayer((l) => l.biasMultiplier), rates: tf.tensor2d(r, [T, P]) };
}

/** The compiled step of a pack. */
export async function compiledPackStep(config: TrialConfig, model: PackedMlp, rates: readonly (readonly number[])[]): Promise<CompiledStep> {
  // centering follows γ0, which may differ inside a pack: the pack is centered if any trial is
  return CompiledStep.create(variantInUse(), { ...structureOf(config, true), centered: model.centered }, packedConstants(model, rates));
}
