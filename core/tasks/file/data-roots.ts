// Which folders the `file` task may read. A spec names data paths, and a spec may come from
// someone else (a cluster accepts submitted specs), so a path is read only when its real
// location — after `..` and every symlink are resolved — lies under an allowed root:
// embedded, the spec's folder plus the roots the user grants (`--data-root`, SWEEP_DATA_ROOTS);
// on a cluster, the trainer's configured data mounts (SWEEP_DATA_ROOTS).
import { realpathSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { FileFormatError } from './array.js';

/** Environment variable listing extra data roots, separated like PATH (':' on POSIX). */
export const DATA_ROOTS_ENV = 'SWEEP_DATA_ROOTS';

export interface DataAccess {
  /** folder that relative data paths are resolved against */
  base: string;
  /** folders (real paths) whose files may be read */
  roots: string[];
  /** how to grant another folder, for the refusal message */
  grant: string;
}

/** A data path outside every allowed root (code EDATAROOT). */
export class DataPathError extends FileFormatError {
  readonly code = 'EDATAROOT';
}

/** The real path of a folder, or its absolute path when it does not exist (yet). */
function realFolder(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return resolve(dir);
  }
}

/** Roots listed in SWEEP_DATA_ROOTS (empty entries ignored). */
export function rootsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env[DATA_ROOTS_ENV] ?? '').split(delimiter).filter((s) => s.trim() !== '').map((s) => resolve(s.trim()));
}

/**
 * Embedded access for a spec (or trial config) file: relative paths mean the file's folder,
 * which is allowed with its subfolders, plus the granted roots and SWEEP_DATA_ROOTS.
 */
export function specDataAccess(specFile: string, granted: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): DataAccess {
  const base = realFolder(dirname(resolve(specFile)));
  const roots = [base, ...granted.map((g) => resolve(g)), ...rootsFromEnv(env)].map(realFolder);
  return { base, roots: [...new Set(roots)], grant: `pass --data-root DIR or set ${DATA_ROOTS_ENV}` };
}

/**
 * Access of a cluster trainer: only SWEEP_DATA_ROOTS (its data mounts); relative paths are
 * resolved against the first of them. Without any, no file can be read.
 */
export function trainerDataAccess(env: NodeJS.ProcessEnv = process.env): DataAccess {
  const roots = rootsFromEnv(env).map(realFolder);
  return { base: roots[0] ?? '/', roots: [...new Set(roots)], grant: `the cluster operator lists data mounts in the trainer's ${DATA_ROOTS_ENV}` };
}

function isUnder(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * The real path of data file `file` (as written in the spec), checked against the roots.
 * A missing file outside the roots is refused as outside, so the answer does not tell whether
 * a file exists elsewhere on the machine.
 */
export function resolveDataFile(file: string, access: DataAccess): string {
  const absolute = resolve(access.base, file);
  let real: string;
  try {
    real = realpathSync(absolute);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!access.roots.some((r) => isUnder(absolute, r))) throw outside(file, access);
    throw new FileFormatError(file, `cannot read (${code === 'ENOENT' || code === 'ENOTDIR' ? 'no such file' : code ?? 'error'})`);
  }
  if (!access.roots.some((r) => isUnder(real, r))) throw outside(file, access);
  return real;
}

function outside(file: string, access: DataAccess): DataPathError {
  const where = access.roots.length ? `outside the allowed data folders (${access.roots.join(', ')})` : 'not readable: no data folders are configured';
  return new DataPathError(file, `${where}; to allow another folder, ${access.grant}`);
}
