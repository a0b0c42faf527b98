// Subcommands of `sweep`; each module exports `register(program)`. One line per command module.
import type { Command } from 'commander';
import { register as run } from './run.js';
import { register as validate } from './validate.js';
import { register as trial } from './trial.js';

export const commands: Array<(program: Command) => void> = [
  run,
  validate,
  trial,
];
