// What a spec with `trainer.kind: command` may hold: the user's params instead of the built-in
// sections, axes under params, and none of the parts that need the built-in model.
import { getPath, isPlainObject, splitPath, type Json } from '../grid/paths.js';

/** Why `path` cannot be an axis of a command-trainer sweep, or undefined when it can. */
export function commandAxisProblem(path: string, base: Json): string | undefined {
  const keys = splitPath(path);
  if (keys[0] !== 'params' || keys.length < 2) {
    return 'a command trainer\'s axes are its own hyperparameters, params.<key> (e.g. params.width)';
  }
  // a value on the way that is not a mapping would be replaced by the axis, silently
  for (let i = 2; i < keys.length; i++) {
    const prefix = keys.slice(0, i).join('.');
    const v = getPath(base, prefix);
    if (v !== undefined && !isPlainObject(v)) return `trainer.${prefix} is ${JSON.stringify(v)}, not a mapping, so it has no key ${keys[i]}`;
  }
  return undefined;
}

/** Problems of the sections a command trainer does not use. */
export function commandSectionProblems(raw: Json, trialKeys: readonly string[]): string[] {
  const problems: string[] = [];
  for (const k of trialKeys) {
    if (raw[k] !== undefined) problems.push(`${k}: belongs to the built-in trainer; a command trainer (trainer.kind: command) takes its hyperparameters in trainer.params`);
  }
  if (raw.preflight !== undefined) {
    problems.push('preflight: the coord check measures the built-in model; a command trainer has none to measure (check your model\'s coordinates yourself, see docs/trainer-protocol.md)');
  }
  return problems;
}
