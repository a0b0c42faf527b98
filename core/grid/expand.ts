// Grid points → trial plans: each point's axis values are set into the base config, the result
// is validated and completed by the trial schema, and its id is the hash of what it computes.
// Points that resolve to the same config (same id) collapse into one trial. `center` is filled
// in with the sweep's value (core/grid/center.ts) where the config leaves it open.
import { formatIssues } from '../config/errors.js';
import { specErrorMap } from '../config/error-map.js';
import { trialConfigSchema, type TrialConfig } from '../config/trial.js';
import type { AnyTrialConfig } from '../config/command-trial.js';
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

/** One grid point's config checked by its trial schema: the config, or the schema's issues. */
export type PointParse<C> = (raw: Json) => { success: true; data: C } | { success: false; error: { issues: Parameters<typeof formatIssues>[0] } };

/**
 * Plans for the grid points at `indices`, in that order, skipping duplicates, until `limit`
 * distinct trials are planned (random search) or the indices run out. `parse` checks (and
 * completes) each point's config; the built-in and the command trainer differ only there.
 */
export function expandPointsWith<C extends AnyTrialConfig>(
  base: Json, grid: Grid, indices: Iterable<number>, limit: number, parse: PointParse<C>,
): { plans: TrialPlan<C>[]; duplicates: number; problems: string[] } {
  const plans: TrialPlan<C>[] = [];
  const seen = new Set<string>();
  const problems: string[] = [];
  let invalid = 0;
  let duplicates = 0;
  const keys = grid.axes.map((a) => splitPath(a.path));
  for (const index of indices) {
    if (plans.length >= limit) break;
    const point = gridPoint(grid, index);
    let raw = base;
    grid.axes.forEach((a, i) => (raw = setPath(raw, keys[i], point[a.path])));
    const parsed = parse(raw);
    if (!parsed.success) {
      invalid++;
      if (invalid <= MAX_LISTED) {
        for (const line of formatIssues(parsed.error.issues)) problems.push(`grid point ${describePoint(point)}: ${line}`);
      }
      continue;
    }
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

/** Plans of a built-in sweep: `center` filled in with the sweep's value where a config leaves it open. */
export function expandPoints(base: Json, grid: Grid, indices: Iterable<number>, limit = Infinity): Expansion {
  const center = sweepCenter(base, grid);
  return expandPointsWith<TrialConfig>(base, grid, indices, limit, (raw) => {
    const parsed = trialConfigSchema.safeParse(raw, { error: specErrorMap });
    if (parsed.success) parsed.data.model.center ??= center;
    return parsed;
  });
}

/** Every grid point, in grid order (first axis slowest). */
export function* allIndices(grid: Grid): Generator<number> {
  for (let i = 0; i < grid.size; i++) yield i;
}
