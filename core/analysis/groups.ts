// Grouping trials by the sweep's axes: an analysis varies some axes (width, lr, seed, ...) and
// compares like with like across all the others.
import type { TrialRecord } from '../outcome.js';
import { roundSig } from './stats.js';

export type GroupLabel = Record<string, unknown>;

export const SEED_AXIS = 'seed';
/** A command trainer's seed is one of its params: `params.seed` is pooled over as `seed` is. */
export const COMMAND_SEED_AXIS = 'params.seed';

/** Value at a dotted path of an object (`model.width`), or undefined. */
export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** A trial's value on an axis: its recorded coordinate, else the resolved config's value. */
export function axisValue(trial: TrialRecord, path: string): unknown {
  if (trial.axes && path in trial.axes) return trial.axes[path];
  return getPath(trial.config, path);
}

export function numericAxis(trial: TrialRecord, path: string): number {
  const v = axisValue(trial, path);
  return typeof v === 'number' ? roundSig(v) : NaN;
}

function keyOf(v: unknown): string {
  return JSON.stringify(typeof v === 'number' ? roundSig(v) : v) ?? 'undefined';
}

export interface Group {
  key: string;
  label: GroupLabel;
  trials: TrialRecord[];
}

/** Group trials by every axis in `axes` except `exclude`; groups in first-seen order. */
export function groupTrials(trials: readonly TrialRecord[], axes: readonly string[], exclude: readonly string[]): Group[] {
  const seedless = exclude.includes(SEED_AXIS) ? [...exclude, COMMAND_SEED_AXIS] : exclude;
  const by = axes.filter((a) => !seedless.includes(a));
  const groups = new Map<string, Group>();
  for (const t of trials) {
    const label: GroupLabel = {};
    for (const a of by) label[a] = axisValue(t, a);
    const key = by.map((a) => keyOf(label[a])).join('|');
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { key, label, trials: [] }));
    g.trials.push(t);
  }
  return [...groups.values()];
}

/** "model.parametrization=mup, model.depth=3" (or "all trials" for the empty group). */
export function describeGroup(label: GroupLabel): string {
  const parts = Object.entries(label).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  return parts.length ? parts.join(', ') : 'all trials';
}

/** Seeds of a set of trials, ascending. */
export function seedsOf(trials: readonly TrialRecord[]): number[] {
  return [...new Set(trials.map(seedOf))].sort((a, b) => a - b);
}

export function seedOf(trial: TrialRecord): number {
  return Number(axisValue(trial, SEED_AXIS) ?? axisValue(trial, COMMAND_SEED_AXIS) ?? 0);
}
