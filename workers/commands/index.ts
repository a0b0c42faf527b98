// Subcommands of `sweep`; each module exports `register(program)`. One line per command module.
import type { Command } from 'commander';
import { register as run } from './run.js';
import { register as validate } from './validate.js';
import { register as trial } from './trial.js';
import { register as submit } from './submit.js';
import { register as status } from './status.js';
import { register as list } from './list.js';
import { register as watch } from './watch.js';
import { register as cancel } from './cancel.js';
import { register as report } from './report.js';
import { register as schedule } from './schedule.js';
import { register as analyze } from './analyze.js';
import { register as coordCheck } from './coord-check.js';
import { register as dev } from './dev.js';

export const commands: Array<(program: Command) => void> = [
  run,
  validate,
  trial,
  submit,
  status,
  list,
  watch,
  cancel,
  report,
  schedule,
  analyze,
  coordCheck,
  dev,
];
