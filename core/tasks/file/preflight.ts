// Checks the data of a sweep's `file` tasks before anything runs, so a missing file, a path
// outside the data folders, a bad label column or a malformed array stops `sweep validate` and
// `sweep run` with one line naming the path, instead of failing every trial. Each distinct file
// task is loaded once, exactly as a trial loads it; the trials check again when they start.
import { canonicalJson } from '../../ids.js';
import { ConfigError } from '../../config/errors.js';
import type { TaskConfig } from '../../config/trial.js';
import type { TrialPlan } from '../../search/strategy.js';
import { FileFormatError } from './array.js';
import { type DataAccess, resolveDataFile } from './data-roots.js';
import { type FileTaskConfig, loadFileData } from './file-task.js';

/** The file task of a task config and the spec path it sits at, if it has one. */
function fileTaskOf(task: TaskConfig): { config: FileTaskConfig; at: string } | undefined {
  if (task.kind === 'file') return { config: task, at: 'task' };
  if (task.kind === 'continual' && task.base.kind === 'file') return { config: task.base, at: 'task.base' };
  return undefined;
}

/** The spec path (task.train.x, …) of the data file an error names, when it is one of them. */
function fieldOf(config: FileTaskConfig, at: string, file: string, access: DataAccess): string {
  const fields: [string, string | undefined][] = [
    ['train.x', config.train.x], ['train.y', config.train.y], ['test.x', config.test?.x], ['test.y', config.test?.y],
  ];
  for (const [field, path] of fields) {
    if (path === undefined) continue;
    if (path === file) return `${at}.${field}`;
    try {
      if (resolveDataFile(path, access) === file) return `${at}.${field}`;
    } catch {
      // this one is not the file of the error
    }
  }
  return at;
}

/**
 * Loads every distinct file task of `plans` under `access`; throws one ConfigError (exit 2)
 * listing each problem as "task.train.x: FILE: problem", with `source` (the spec file).
 */
export function preflightFileTasks(plans: readonly TrialPlan[], access: DataAccess, source?: string): void {
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const plan of plans) {
    const found = fileTaskOf(plan.config.task);
    if (!found) continue;
    const key = canonicalJson(found.config);
    if (seen.has(key)) continue;
    seen.add(key);
    try {
      loadFileData(found.config, plan.config.task.seed, access);
    } catch (err) {
      // anything else (out of memory, a bug) is not the spec's fault and is not reported as such
      let lines: string[];
      if (err instanceof FileFormatError) lines = [`${fieldOf(found.config, found.at, err.file, access)}: ${err.message}`];
      else if (err instanceof ConfigError) lines = err.problems.map((p) => (found.at === 'task' ? p : p.replace(/^task\./, `${found.at}.`)));
      else throw err;
      for (const line of lines) if (!problems.includes(line)) problems.push(line);
    }
  }
  if (problems.length) throw new ConfigError(problems, source);
}
