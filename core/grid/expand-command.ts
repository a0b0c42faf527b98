// Grid points → plans of a command-trainer sweep: each point's values are set into the user's
// params, the result is checked to be plain JSON, and its id hashes it (core/ids.ts) as a
// built-in trial's does. Points that give the same params collapse into one trial.
import { commandTrialSchema, type CommandTrialConfig } from '../config/command-trial.js';
import { formatIssues } from '../config/errors.js';
import { trialId } from '../ids.js';
import type { TrialPlan } from '../search/strategy.js';
import type { Expansion } from './expand.js';
import { describePoint, gridPoint, type Grid } from './grid.js';
import { setPath, splitPath, type Json } from './paths.js';

const MAX_LISTED = 10;

export interface CommandExpansion extends Omit<Expansion, 'plans'> {
  plans: TrialPlan<CommandTrialConfig>[];
}

export function expandCommandPoints(base: Json, grid: Grid, indices: Iterable<number>, limit = Infinity): CommandExpansion {
  const plans: TrialPlan<CommandTrialConfig>[] = [];
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
    const parsed = commandTrialSchema.safeParse(raw);
    if (!parsed.success) {
      invalid++;
      if (invalid <= MAX_LISTED) for (const line of formatIssues(parsed.error.issues)) problems.push(`grid point ${describePoint(point)}: ${line}`);
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
