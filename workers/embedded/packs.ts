// How the embedded runner splits the trials of a planning round into packs
// (core/train/packed): trials with one pack key, at most the pack limit per pack. Under `auto`
// the round also makes at least as many packs as there are workers when it has the trials, so
// `--parallel` workers stay busy, and splits each key's trials into packs of nearly equal size.
import type { TrialConfig } from '../../core/config/trial.js';
import { taskDims } from '../../core/config/resources.js';
import { groupIntoPacks, packLimit } from '../../core/train/packed/pack-key.js';

export type PackSetting = 'auto' | 'off' | number;

/**
 * The pack limit of trials like `config`. Dimensions come from the config itself, so the runner
 * never builds a task: a file task's are in its data, so it is sized as if its input and output
 * were as wide as the hidden layers.
 */
export function limitFor(setting: PackSetting, config: TrialConfig): number {
  const { inputDim, outputDim } = taskDims(config);
  const w = config.model.width;
  return packLimit(setting, config, inputDim || w, outputDim || w);
}

/** `items` in `parts` consecutive runs whose sizes differ by at most one (larger first). */
function chunks<T>(items: readonly T[], parts: number): T[][] {
  const out: T[][] = [];
  let at = 0;
  for (let i = 0; i < parts; i++) {
    const size = Math.floor(items.length / parts) + (i < items.length % parts ? 1 : 0);
    out.push(items.slice(at, at + size));
    at += size;
  }
  return out;
}

/**
 * Packs of `items` (deterministic: groups in order of first appearance, members in item order).
 * `off` and 1 give one trial per pack; N cuts each key's trials into packs of N; `auto` takes
 * the memory limit of each key, then adds packs (splitting the largest) until there are
 * `workers` packs or one per trial.
 */
export function planPacks<T>(items: readonly T[], configOf: (item: T) => TrialConfig, setting: PackSetting, workers: number): T[][] {
  if (setting === 'off' || setting === 1 || items.length <= 1) return items.map((i) => [i]);
  // every key's trials as one group (a trial that trains alone is a group of its own)
  const groups = groupIntoPacks(items, configOf, items.length);
  if (setting !== 'auto') return groups.flatMap((g) => groupIntoPacks(g, configOf, setting));
  const parts = groups.map((g) => Math.ceil(g.length / limitFor('auto', configOf(g[0]))));
  const target = Math.min(workers, items.length);
  for (let total = parts.reduce((a, b) => a + b, 0); total < target; total++) {
    let widest = -1;
    for (let i = 0; i < groups.length; i++) {
      if (parts[i] < groups[i].length && (widest < 0 || groups[i].length / parts[i] > groups[widest].length / parts[widest])) widest = i;
    }
    if (widest < 0) break;
    parts[widest]++;
  }
  return groups.flatMap((g, i) => chunks(g, parts[i]));
}
