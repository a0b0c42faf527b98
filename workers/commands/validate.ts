// `sweep validate SPEC`: checks a spec as `sweep run` would and prints what it would run.
import type { Command } from 'commander';
import { isCommandSweep, loadSpec, type AnyResolvedSweep } from '../../core/config/spec.js';
import type { Axis } from '../../core/grid/grid.js';
import { preflightFileTasks } from '../../core/tasks/file/preflight.js';
import { addDataRootOption, dataAccessFromFlags, type DataFlags } from './data-flags.js';
import { printable } from '../printable.js';
import { PROTOCOL_VERSION } from '../../core/protocol/launch.js';

function show(v: unknown): string {
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}

function values(axis: Axis): string {
  const vs = axis.values.map(show);
  const list = vs.length > 8 ? [...vs.slice(0, 3), '…', ...vs.slice(-2)].join(', ') : vs.join(', ');
  return axis.kind === 'list' ? list : `${axis.kind}: ${list}`;
}

/** The human-readable account of a resolved spec that `sweep validate` prints. */
export function describeSweep(r: AnyResolvedSweep, source: string): string {
  const { spec, plans, duplicates } = r;
  const grid = spec.grid;
  const lines = [`${source}: valid sweep "${spec.name}"${spec.description ? ` (${printable(spec.description)})` : ''}`];
  if (spec.trainer.kind === 'command') {
    const deadline = spec.trainer.timeoutSeconds === undefined ? '' : `, timeout ${spec.trainer.timeoutSeconds}s`;
    lines.push(`trainer: command ${printable(JSON.stringify(spec.trainer.command))} (trial protocol v${PROTOCOL_VERSION}${deadline})`);
  }
  const s = spec.search;
  const collapsed = duplicates ? `; ${duplicates} grid point${duplicates === 1 ? '' : 's'} collapse into identical trials` : '';
  if (s.kind === 'random') lines.push(`trials: ${plans.length} (random sample of a ${grid.size}-point grid, seed ${s.seed}${collapsed})`);
  else if (s.kind === 'grid') lines.push(`trials: ${plans.length} (grid of ${grid.size} points${collapsed})`);
  else lines.push(`trials: up to ${plans.length}, chosen by search ${s.kind} along ${s.lr} (grid of ${grid.size} points${collapsed})`);
  if (!grid.axes.length) {
    lines.push('axes: none (one trial: the base config)');
    return lines.join('\n');
  }
  lines.push('axes (the first varies slowest):');
  const width = Math.max(...grid.axes.map((a) => a.path.length)) + 2;
  for (const g of grid.groups) {
    if (g.zip === undefined) {
      const a = g.axes[0];
      lines.push(`  ${a.path.padEnd(width)}${String(a.values.length).padStart(4)}  ${values(a)}`);
    } else {
      lines.push(`  zip[${g.zip}]: ${g.axes.length} axes varying together, ${g.size} values`);
      for (const a of g.axes) lines.push(`    ${a.path.padEnd(width - 2)}${String(a.values.length).padStart(4)}  ${values(a)}`);
    }
  }
  lines.push(`parallelism: ${spec.execution.parallelism}; analyses: ${spec.analysis ? Object.keys(spec.analysis).join(', ') || 'none' : 'none'}`);
  return lines.join('\n');
}

export function register(program: Command): void {
  const cmd = program
    .command('validate')
    .description('check a sweep spec and print its grid size and axes (nothing is run)')
    .argument('<spec>', 'sweep spec, YAML or JSON')
    .option('--yes', 'accept a sweep of more than 5000 trials');
  addDataRootOption(cmd)
    .action(async (file: string, opts: { yes?: boolean } & DataFlags) => {
      const resolved = await loadSpec(file, { yes: !!opts.yes, commandTrainer: true });
      if (!isCommandSweep(resolved)) preflightFileTasks(resolved.plans, dataAccessFromFlags(file, opts), file);
      console.log(describeSweep(resolved, file));
    });
}
