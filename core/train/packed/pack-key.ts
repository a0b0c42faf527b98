// Which trials can train together as one vectorised model: those that share every shape and
// every op of a step (width, depth, activation, bias, centering, input/output size, batch size,
// steps, evaluation plan, task and its data, measurements, backend) and differ only in scalars
// that become per-trial tensors: the seed, the learning rate, γ0 and the parametrization.
import type { TrialConfig } from '../../config/trial.js';
import { canonicalJson } from '../../ids.js';

/** A pack key's varying fields: everything else must be equal for two trials to share a pack. */
export const PACKED_SCALARS = ['seed', 'optimizer.lr', 'model.gamma', 'model.parametrization'] as const;

/**
 * The pack key of a trial, or null when it trains alone (giant-step runs: their phases are not
 * a fixed sequence of same-shaped steps; continual runs: the packed trainer does not carry their
 * task switches and accuracy matrix).
 */
export function packKey(config: TrialConfig): string | null {
  if (config.giantStep || config.task.kind === 'continual') return null;
  const { seed: _seed, ...rest } = config;
  const { lr: _lr, ...optimizer } = config.optimizer;
  const { gamma: _gamma, parametrization: _p, ...model } = config.model;
  return canonicalJson({ ...rest, optimizer, model });
}

/**
 * Splits `items` into packs of at most `limit` items with equal pack keys, in order of first
 * appearance; an item without a key is a pack of its own. Deterministic (workflow code uses it).
 */
export function groupIntoPacks<T>(items: readonly T[], configOf: (item: T) => TrialConfig, limit: number): T[][] {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`pack limit must be a positive integer, got ${limit}`);
  const packs: T[][] = [];
  const open = new Map<string, T[]>();
  for (const item of items) {
    const key = packKey(configOf(item));
    if (key === null || limit === 1) {
      packs.push([item]);
      continue;
    }
    let pack = open.get(key);
    if (!pack || pack.length >= limit) {
      pack = [];
      open.set(key, pack);
      packs.push(pack);
    }
    pack.push(item);
  }
  return packs;
}

/** Most trials in one pack, whatever the memory rule allows. */
export const MAX_PACK = 64;
/** Memory one pack may hold on the backend under `auto` (weights, state and activations). */
export const AUTO_PACK_BYTES = 512 * 2 ** 20;

/**
 * The pack size `execution.pack` asks for a trial like `config`: 1 for off, N as given, and for
 * auto as many as fit AUTO_PACK_BYTES (float32 weights ×6: current and initial weights, gradient,
 * two optimizer moments, update; activations ×4 per layer for the forward and backward passes),
 * at most MAX_PACK.
 */
export function packLimit(pack: 'auto' | 'off' | number, config: TrialConfig, inputDim: number, outputDim: number): number {
  if (pack === 'off') return 1;
  if (typeof pack === 'number') return pack;
  return Math.max(1, Math.min(MAX_PACK, Math.floor(AUTO_PACK_BYTES / packBytesPerTrial(config, inputDim, outputDim))));
}

/**
 * Most a pack may hold on the wasm backend, whatever `execution.pack` asks: wasm memory is 32-bit
 * (4 GB at most), and one pack of 64 width-1024 trials (about 2.6 GB by packBytesPerTrial) ran
 * out of it ("memory access out of bounds"). runPack trains a larger pack as several.
 */
export const WASM_PACK_BYTES = 2 ** 30;

/** What one trial like `config` holds in a pack, as packLimit estimates it. */
export function packBytesPerTrial(config: TrialConfig, inputDim: number, outputDim: number): number {
  const { width, depth } = config.model;
  const dims = [inputDim, ...Array<number>(Math.max(depth - 1, 0)).fill(width), outputDim];
  let weights = 0;
  for (let l = 0; l + 1 < dims.length; l++) weights += dims[l] * dims[l + 1];
  const batch = Math.max(config.train.batchSize, config.measure.sharpness?.batchSize ?? 0, 512);
  const activations = batch * dims.reduce((a, b) => a + b, 0) * 4;
  return 4 * (6 * weights + activations);
}
