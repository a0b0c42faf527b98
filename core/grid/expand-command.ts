// Grid points → plans of a command-trainer sweep: each point's values are set into the user's
// params, the result is checked to be plain JSON, and its id hashes it (core/ids.ts) as a
// built-in trial's does. Points that give the same params collapse into one trial.
import { commandTrialSchema, type CommandTrialConfig } from '../config/command-trial.js';
import type { TrialPlan } from '../search/strategy.js';
import { expandPointsWith, type Expansion } from './expand.js';
import type { Grid } from './grid.js';
import type { Json } from './paths.js';

export interface CommandExpansion extends Omit<Expansion, 'plans'> {
  plans: TrialPlan<CommandTrialConfig>[];
}

export function expandCommandPoints(base: Json, grid: Grid, indices: Iterable<number>, limit = Infinity): CommandExpansion {
  return expandPointsWith<CommandTrialConfig>(base, grid, indices, limit, (raw) => commandTrialSchema.safeParse(raw));
}
