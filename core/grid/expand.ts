// Grid points → trial plans: each point's axis values are set into the base config, the result
// is validated and completed by the trial schema, and its id is the hash of what it computes.
// Points that resolve to the same config (same id) collapse into one trial. `center` is filled
// in with the sweep's value (core/grid/center.ts) where the config leaves it open.
import { formatIssues } from '../config/errors.js';
import { specErrorMap } from '../config/error-map.js';
import { trialConfigSchema, type TrialConfig } from '../config/trial.js';
import { trialId } from '../ids.js';
import type { TrialPlan } from '../search/strategy.js';
import { sweepCenter } from './center.js';
import { describePoint, gridPoint, type Grid } from './grid.js';
import { setPath, splitPath, type Json } from './paths.js';

/** Invalid grid points are listed one by one up to this many, then counted. */
const MAX_LISTED = 10;

export interface Expansion {
  plans: TrialPlan<TrialConfig>[];
  /** grid points that resolved to an already planned trial */
  duplicates: number;
  /** "grid point model.width=64 ...: path: problem" for invalid points */
  problems: string[];
}

export function pointConfig(base: Json, point: Record<string, unknown>): Json {
  let raw = base;
  for (const [path, value] of Object.entries(point)) raw = setPath(raw, path, value);
  return raw;
}

/**
 * Plans for the grid points at `indices`, in that order, skipping duplicates, until `limit`
 * distinct trials are planned (random search) or the indices run out.
 */
export function expandPoints(base: Json, grid: Grid, indices: Iterable<number>, limit = Infinity): Expansion {
  const plans: TrialPlan<TrialConfig>[] = [];
  const seen = new Set<string>();
  const problems: string[] = [];
  let invalid = 0;
  let duplicates = 0;
  const keys = grid.axes.map((a) => splitPath(a.path));
  const center = sweepCenter(base, grid);
  for (const index of indices) {
    if (plans.length >= limit) break;
    const point = gridPoint(grid, index);
    let raw = base;
    grid.axes.forEach((a, i) => (raw = setPath(raw, keys[i], point[a.path])));
    const parsed = trialConfigSchema.safeParse(raw, { error: specErrorMap });
    if (!parsed.success) {
      invalid++;
      if (invalid <= MAX_LISTED) {
        for (const line of formatIssues(parsed.error.issues)) problems.push(`grid point ${describePoint(point)}: ${line}`);
      }
      continue;
    }
    parsed.data.model.center ??= center;
    const id = trialId(parsed.data);
    if (seen.has(id)) {
      duplicates++;
      continue;
    }
    seen.add(id);
    plans.push({ id, config: parsed.data, axes: point });
  }
  if (invalid > MAX_LISTED) problems.push(`grid: ${invalid - MAX_LISTED} more grid points are invalid`);
  return { plans, duplicates, problems };
}

/** Every grid point, in grid order (first axis slowest). */
export function* allIndices(grid: Grid): Generator<number> {
  for (let i = 0; i < grid.size; i++) yield i;
}
