// Subcommands of `sweep`; each module exports `register(program)`. One line per command module.
import type { Command } from 'commander';

export const commands: Array<(program: Command) => void> = [];
