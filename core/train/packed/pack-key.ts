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
 * a fixed sequence of same-shaped steps).
 */
export function packKey(config: TrialConfig): string | null {
  if (config.giantStep) return null;
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
