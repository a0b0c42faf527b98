// Making and checking an output folder path: a bad --out (a file, a file in the path, no
// permission) becomes one line naming the folder, and missing parents are created safely.
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** An output folder that belongs to another sweep, or is unusable. */
export class OutputFolderError extends Error {}

const ACCESS_PROBLEMS: Record<string, string> = {
  ENOENT: 'no such folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EEXIST: 'exists and is not a folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENAMETOOLONG: 'path too long',
  ELOOP: 'too many symbolic links',
  EISDIR: 'is a folder where a file was expected',
};

/** A file-system error on the folder as one line naming the folder (bad --out), else `err` itself. */
export function folderAccessError(dir: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const problem = code ? ACCESS_PROBLEMS[code] : undefined;
  return problem ? new OutputFolderError(`${dir}: cannot be used as an output folder: ${problem} (${code})`) : err;
}

/**
 * `mkdir -p`, one level at a time. Node's recursive mkdir spins forever where mkdir answers
 * ENOENT under an existing parent (e.g. in /proc); a file in the way is ENOTDIR, or EEXIST
 * when it is the folder itself. Errors are those of the file system (see folderAccessError).
 */
export function makeFolder(dir: string): void {
  const target = resolve(dir);
  const missing: string[] = [];
  for (let p = target; ; p = dirname(p)) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(p) === p) throw err;
      missing.push(p);
      continue;
    }
    if (!isDir) throw Object.assign(new Error(`${p}: not a folder`), { code: p === target ? 'EEXIST' : 'ENOTDIR' });
    break;
  }
  for (const p of missing.reverse()) {
    try {
      mkdirSync(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // made by someone else meanwhile
    }
  }
}
