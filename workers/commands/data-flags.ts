// `--data-root DIR` (repeatable) of the commands that read a spec's data files on this
// machine: folders the `file` task may read besides the spec's own folder.
import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { type DataAccess, specDataAccess } from '../../core/tasks/file/data-roots.js';
import { UsageError } from '../usage-error.js';

export interface DataFlags {
  dataRoot?: string[];
}

export function addDataRootOption(cmd: Command): Command {
  return cmd.option('--data-root <dir>', 'also let file tasks read this folder (repeatable; the spec\'s folder always can)',
    (dir: string, prev: string[] = []) => [...prev, dir]);
}

/** The data access of a spec file and its --data-root folders; a folder that is not one is a usage error. */
export function dataAccessFromFlags(specFile: string, flags: DataFlags): DataAccess {
  for (const dir of flags.dataRoot ?? []) {
    let isDir = false;
    try {
      isDir = statSync(dir).isDirectory();
    } catch {
      // reported below
    }
    if (!isDir) throw new UsageError(`--data-root: ${dir} is not a folder`);
  }
  return specDataAccess(specFile, flags.dataRoot ?? []);
}
