// The sweep spec (README "Sweep spec reference"): a base trial config, a `grid` of axes, and the
// `search`, `analysis` and `execution` sections. Parsing validates everything at once and
// resolves the trials to run; any problem is a ConfigError listing every "path: problem".
import { z } from 'zod';
import { analysisSchema, type AnalysisConfig } from '../analysis/schema.js';
import { searchSchema, type SearchConfig } from '../search/schema.js';
import { preflightSchema, type PreflightConfig } from '../preflight/schema.js';
import type { TrialPlan } from '../search/strategy.js';
import { allIndices, expandPoints, pointConfig } from '../grid/expand.js';
import { gridPoint, parseGrid, type Grid } from '../grid/grid.js';
import { isPlainObject, isUnder, pathProblem, type Json } from '../grid/paths.js';
import { randomOrder } from '../grid/random.js';
import { ConfigError, displayPath, formatIssues } from './errors.js';
import { specErrorMap } from './error-map.js';
import { executionSchema, type Execution } from './execution.js';
import { analysisAxisProblems } from './analysis-axes.js';
import { shapeProblems } from './spec-shape.js';
import { parseSpecText, readSpecText } from './spec-text.js';
import { trialConfigSchema, type TrialConfig } from './trial.js';
import { trainerSchema, type CommandTrainer, type TrainerConfig } from './trainer.js';
import type { AnyTrialConfig, CommandTrialConfig } from './command-trial.js';
import { commandAxisProblem, commandSectionProblems } from './command-spec.js';
import { expandCommandPoints } from '../grid/expand-command.js';

export { parseSpecText, readSpecText };

/** A sweep with more trials than this needs `--yes` (a typo in a grid should not start 10^5 runs). */
export const CONFIRM_TRIALS = 5000;
/** No sweep holds more trials than this; larger spaces are for random search. */
export const MAX_TRIALS = 1_000_000;

/** Top-level keys of a spec that make up the base trial config. */
export const TRIAL_KEYS = Object.keys(trialConfigSchema.shape) as (keyof typeof trialConfigSchema.shape)[];

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

const trialSections = Object.fromEntries(TRIAL_KEYS.map((k) => [k, z.unknown().optional()])) as Record<(typeof TRIAL_KEYS)[number], z.ZodOptional<z.ZodUnknown>>;

export const specSchema = z.strictObject({
  /** names the sweep, its output folder (runs/<name>) and its message subjects */
  name: z.string().max(63).regex(NAME_RE, 'must be letters, digits, - or _ (it names the output folder), starting with a letter or digit'),
  description: z.string().optional(),
  /** who runs each trial: the built-in trainer (default) or the user's command */
  trainer: trainerSchema.optional(),
  ...trialSections,
  /** dotted path → values; checked by parseGrid */
  grid: z.unknown().optional(),
  search: searchSchema.default({ kind: 'grid' }),
  analysis: analysisSchema.optional(),
  /** checks run before any trial (the coord check) */
  preflight: preflightSchema.optional(),
  execution: executionSchema.prefault({}),
});

export interface SweepSpec<T extends TrainerConfig = TrainerConfig> {
  name: string;
  description?: string;
  trainer: T;
  /** the base trial config as written (axes are set into it per grid point); for a command
   *  trainer `{trainer: 'command', params}` */
  base: Json;
  grid: Grid;
  search: SearchConfig;
  analysis?: AnalysisConfig;
  preflight?: PreflightConfig;
  execution: Execution;
}

export interface ResolvedSweep<C extends AnyTrialConfig = TrialConfig, T extends TrainerConfig = TrainerConfig> {
  spec: SweepSpec<T>;
  /** the trials the search starts from: the whole grid, or the random sample, in order */
  plans: TrialPlan<C>[];
  /** grid points that collapsed into an already planned trial (same id) */
  duplicates: number;
}

/** A sweep whose trials run the user's command (spec.trainer.kind: command). */
export type CommandSweep = ResolvedSweep<CommandTrialConfig, CommandTrainer>;
/** A sweep of either trainer: what a caller that can run command trainers resolves. */
export type AnyResolvedSweep = ResolvedSweep | CommandSweep;

export function isCommandSweep(r: AnyResolvedSweep): r is CommandSweep {
  return r.spec.trainer.kind === 'command';
}

export interface ParseOptions {
  /** file name or label used in error messages */
  source?: string;
  /** accept more than CONFIRM_TRIALS trials */
  yes?: boolean;
  /** override CONFIRM_TRIALS (tests) */
  confirmTrials?: number;
}

type BuiltinOnly = ParseOptions;
/** the caller can run a command trainer; otherwise a spec naming one is refused */
type AnyTrainer = ParseOptions & { commandTrainer: true };
type Either = ParseOptions & { commandTrainer?: boolean };

/** Split "path: problem" as produced by formatIssues. */
function splitLine(line: string): [string, string] {
  const i = line.indexOf(': ');
  return [line.slice(0, i), line.slice(i + 2)];
}

/** Problems of the base config, and of each axis value in the context of the first grid point. */
function checkConfigs(base: Json, grid: Grid, problems: string[]): void {
  const first = grid.size > 0 ? gridPoint(grid, 0) : {};
  const underAxis = (p: string) => grid.axes.some((a) => isUnder(p, a.path));

  const r0 = trialConfigSchema.safeParse(pointConfig(base, first), { error: specErrorMap });
  if (!r0.success) {
    for (const line of formatIssues(r0.error.issues)) if (!underAxis(splitLine(line)[0])) problems.push(line);
  }

  // Each value is checked once, with the other axes at their first value; a zip group's
  // values are checked together, index by index.
  const seen = new Set<string>();
  for (const group of grid.groups) {
    for (let i = 0; i < group.size; i++) {
      const point = { ...first };
      for (const axis of group.axes) point[axis.path] = axis.values[i];
      const r = trialConfigSchema.safeParse(pointConfig(base, point), { error: specErrorMap });
      if (r.success) continue;
      for (const line of formatIssues(r.error.issues)) {
        const [path, problem] = splitLine(line);
        const axis = group.axes.find((a) => isUnder(path, a.path));
        if (!axis) continue;
        const msg = `${axis.where}[${i}]${path.slice(axis.path.length)}: ${problem}`;
        if (!seen.has(msg)) {
          seen.add(msg);
          problems.push(msg);
        }
      }
    }
  }
}

/**
 * Validates a parsed spec and resolves its trials. Throws ConfigError listing every problem.
 * A command-trainer spec resolves only for a caller that says it can run one.
 */
export function resolveSpec(raw: unknown, opts?: BuiltinOnly): ResolvedSweep;
export function resolveSpec(raw: unknown, opts: AnyTrainer): AnyResolvedSweep;
export function resolveSpec(raw: unknown, opts: Either = {}): AnyResolvedSweep {
  const source = opts.source;
  if (!isPlainObject(raw)) throw new ConfigError(['(top level): must be a mapping with name, task, model, optimizer, grid, ...'], source);
  // Size, depth and prototype keys first: nothing below may walk hostile data.
  const shape = shapeProblems(raw);
  if (shape.length) throw new ConfigError(shape, source);
  const problems: string[] = [];
  const parsed = specSchema.safeParse(raw, { error: specErrorMap });
  const rawTrainer = isPlainObject(raw.trainer) ? raw.trainer : {};
  const command = rawTrainer.kind === 'command';
  if (!parsed.success) {
    for (const line of formatIssues(parsed.error.issues)) {
      // said once, below, in the user's terms
      if (!command && line === 'trainer.params: unknown key') continue;
      problems.push(line);
    }
  }
  if (command && !opts.commandTrainer) problems.push('trainer.kind: only the built-in trainer runs here (a command trainer runs with sweep run, sweep submit and sweep validate)');
  if (!command && rawTrainer.params !== undefined) {
    problems.push('trainer.params: only a command trainer (trainer.kind: command) takes params; the built-in trainer is configured by model, task, optimizer, train and measure');
  }

  const base: Json = {};
  if (command) {
    problems.push(...commandSectionProblems(raw, TRIAL_KEYS));
    base.trainer = 'command';
    base.params = isPlainObject(rawTrainer.params) ? rawTrainer.params : {};
  } else {
    for (const k of TRIAL_KEYS) if (raw[k] !== undefined) base[k] = raw[k];
  }
  const grid = parseGrid(raw.grid, problems);
  const varying = (p: string) => grid.axes.some((a) => a.path === p);
  const badAxes = new Set<string>();
  for (const axis of grid.axes) {
    const why = command ? commandAxisProblem(axis.path, base) : isUnder(axis.path, 'backend')
      ? 'backend settings cannot vary within a sweep (set backend in the base config)'
      : pathProblem(trialConfigSchema, axis.path, base, varying);
    if (why) {
      problems.push(`${axis.where}: ${why}`);
      badAxes.add(axis.where);
    }
  }
  const searchParsed = searchSchema.safeParse(raw.search ?? { kind: 'grid' });
  const search: SearchConfig = searchParsed.success ? searchParsed.data : { kind: 'grid' };
  if (command && (search.kind === 'lr-descent' || search.kind === 'lr-refine')) {
    problems.push(`search.kind: ${search.kind} judges stability by the built-in trainer's divergence bound; a command trainer sweeps with grid or random`);
  } else if ((search.kind === 'lr-descent' || search.kind === 'lr-refine') && !grid.axes.some((a) => a.path === search.lr)) {
    problems.push(`search.lr: ${displayPath(search.lr)} is not a grid axis (${search.kind} searches along a learning-rate axis)`);
  }
  if (parsed.success && parsed.data.analysis) problems.push(...analysisAxisProblems(parsed.data.analysis, grid, base, { search: search.kind, raw: raw.analysis, command }));

  // The number of trials is known from the axis lengths alone: checked before any value is.
  const limit = opts.yes ? MAX_TRIALS : (opts.confirmTrials ?? CONFIRM_TRIALS);
  const wanted = search.kind === 'random' ? Math.min(search.samples, grid.size) : grid.size;
  const where = search.kind === 'random' ? 'search.samples' : 'grid';
  const tooMany = wanted > MAX_TRIALS;
  if (tooMany) problems.push(`${where}: ${wanted} trials is more than a sweep can hold (${MAX_TRIALS}); use search: {kind: random, samples: N}`);
  else if (wanted > limit) problems.push(`${where}: ${wanted} trials is more than ${limit}; pass --yes to run them`);

  // The configs are checked with the axes that are well formed, so a bad axis does not hide
  // problems in the base config or in the other axes' values.
  const groups = grid.groups.filter((g) => g.axes.every((a) => !badAxes.has(a.where)));
  if (!tooMany && !command) checkConfigs(base, { groups, axes: groups.flatMap((g) => g.axes), size: groups.reduce((n, g) => n * g.size, 1) }, problems);

  if (problems.length || !parsed.success) throw new ConfigError(problems, source);

  const indices = search.kind === 'random' ? randomOrder(grid.size, search.seed) : allIndices(grid);
  const samples = search.kind === 'random' ? search.samples : Infinity;
  const d = parsed.data;
  const common = { name: d.name, base, grid, search: d.search, execution: d.execution };
  const finish = <S extends SweepSpec>(spec: S): S => {
    if (d.description !== undefined) spec.description = d.description;
    if (d.analysis !== undefined) spec.analysis = d.analysis;
    if (d.preflight !== undefined) spec.preflight = d.preflight;
    return spec;
  };
  if (d.trainer?.kind === 'command') {
    const expansion = expandCommandPoints(base, grid, indices, samples);
    if (expansion.problems.length) throw new ConfigError(expansion.problems, source);
    const spec = finish<SweepSpec<CommandTrainer>>({ ...common, trainer: d.trainer });
    return { spec, plans: expansion.plans, duplicates: expansion.duplicates };
  }
  const expansion = expandPoints(base, grid, indices, samples);
  if (expansion.problems.length) throw new ConfigError(expansion.problems, source);
  const spec = finish<SweepSpec>({ ...common, trainer: { kind: 'builtin' } });
  return { spec, plans: expansion.plans, duplicates: expansion.duplicates };
}

/** Spec text (YAML or JSON) → resolved sweep. */
export function parseSpec(text: string, opts?: BuiltinOnly): ResolvedSweep;
export function parseSpec(text: string, opts: AnyTrainer): AnyResolvedSweep;
export function parseSpec(text: string, opts: Either = {}): AnyResolvedSweep {
  return resolveSpec(parseSpecText(text, opts.source), opts as AnyTrainer);
}

/** Reads and resolves a spec file. */
export async function loadSpec(file: string, opts?: Omit<BuiltinOnly, 'source'>): Promise<ResolvedSweep>;
export async function loadSpec(file: string, opts: Omit<AnyTrainer, 'source'>): Promise<AnyResolvedSweep>;
export async function loadSpec(file: string, opts: Omit<Either, 'source'> = {}): Promise<AnyResolvedSweep> {
  return parseSpec(await readSpecText(file), { ...opts, source: file } as AnyTrainer);
}
