#!/usr/bin/env node
// The `sweep` command. Each subcommand lives in workers/commands/<name>.ts and registers itself
// through workers/commands/index.ts. Errors reach the user as one line and a non-zero exit:
// 2 for invalid input (spec, config, arguments), 3 for a failed preflight, 1 for everything else. SWEEP_DEBUG=1 adds stacks.
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../core/config/errors.js';
import { PreflightFailed } from '../core/preflight/verdict.js';
import { commands } from './commands/index.js';
import { IntegerOptionError } from './integer-option.js';
import { printable } from './printable.js';
import { isEntryPoint } from './entry-point.js';
import { firstLine } from '../core/error-message.js';
import { UsageError } from './usage-error.js';
import { ignoreIpServernameWarning } from './tls-warnings.js';
import { SweepIdError } from '../core/sweep-id.js';
import { SweepIdReused } from '../client/sweep-client.js';
import { ScheduleCronError, ScheduleNameError } from '../client/schedules.js';

/**
 * Errors of invalid input: exit 2, like a bad flag. (An unknown but well-formed sweep id or
 * schedule name is a lookup that found nothing: 1, as scripts polling `sweep status` expect.)
 */
const INPUT_ERRORS = [UsageError, IntegerOptionError, SweepIdError, SweepIdReused, ScheduleNameError, ScheduleCronError];

/** Lines of problems printed after the first one. */
export const MAX_SHOWN = 50;

export function reportError(err: unknown): number {
  if (process.env.SWEEP_DEBUG && err instanceof Error) console.error(err.stack);
  if (err instanceof ConfigError) {
    const [first, ...rest] = err.problems;
    // Every problem on its own line: all errors at once, each naming its path (up to a screenful:
    // a mapping of 10⁵ unknown keys should not print 10⁵ lines).
    // printable: a problem may quote spec text, which must not reach the terminal as escape sequences
    console.error(`sweep: invalid ${err.source ?? 'input'}: ${printable(first)}${rest.length ? ` (and ${rest.length} more)` : ''}`);
    const shown = rest.length > MAX_SHOWN ? rest.slice(0, MAX_SHOWN - 1) : rest;
    for (const p of shown) console.error(`  ${printable(p)}`);
    if (shown.length < rest.length) console.error(`  … ${rest.length - shown.length} more not shown`);
    return 2;
  }
  if (err instanceof PreflightFailed) {
    // 3: the sweep's preflight (coord check) failed; nothing ran. One line per parametrization.
    for (const line of err.message.split('\n')) console.error(`sweep: ${line}`);
    return 3;
  }
  if (INPUT_ERRORS.some((type) => err instanceof type)) {
    console.error(`sweep: ${firstLine(err)}`);
    return 2;
  }
  console.error(`sweep: ${firstLine(err)}`);
  return 1;
}

export function buildProgram(): Command {
  const program = new Command('sweep')
    .description('Feature-learning and scaling sweeps: embedded on one machine, or on Temporal + Kubernetes')
    .showHelpAfterError(false)
    .exitOverride();
  for (const register of commands) register(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander has already printed its one-line message (or the help text)
      return err.exitCode === 0 ? 0 : 2;
    }
    return reportError(err);
  }
}

if (isEntryPoint(import.meta.url)) {
  ignoreIpServernameWarning();
  main(process.argv).then((code) => process.exit(code));
}
