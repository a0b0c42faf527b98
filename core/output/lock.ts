// One writer per output folder. `sweep run`, `sweep analyze` and `sweep report` hold an exclusive
// lock on the folder while they write it, so two of them never interleave their files (two runs
// would both run every trial; a rewrite of metrics.jsonl would leave the other appending to an
// unlinked file). The lock is a file created atomically (written in full under a private name,
// then hard-linked into place, which fails if it exists) holding the holder's pid, host, command
// and start time. A lock whose process has died on this host is stale and taken over; a lock
// from another host is reported with how to remove it, since its pid cannot be checked here.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { folderAccessError, makeFolder, OutputFolderError } from './folder-access.js';

export const LOCK_FILE = 'sweep.lock';

/** What the lock file holds. */
export interface LockHolder {
  pid: number;
  host: string;
  /** the command holding the folder, e.g. `sweep run` */
  command: string;
  /** when the lock was taken, ISO 8601 */
  since: string;
  /** the holder's process start time (Linux /proc), so a reused pid is not taken for the holder */
  procStart?: string;
  /** tells this lock apart from a later one at the same path */
  token: string;
}

/** The folder is held by another process (or by a process on another host). */
export class FolderLockedError extends OutputFolderError {
  constructor(message: string, readonly holder: LockHolder | null) {
    super(message);
  }
}

export interface AcquireOptions {
  /** create the folder if it is missing (run, report); analyze needs an existing folder */
  create?: boolean;
}

/** A lock file younger than this without readable content may be one being written by hand. */
const UNREADABLE_GRACE_MS = 10_000;

function procStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after "(comm)": state is field 3, starttime field 22
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the holder still runs: `remote` when it is on another host and cannot be checked. */
export function holderState(h: LockHolder): 'alive' | 'dead' | 'remote' {
  if (h.host !== hostname()) return 'remote';
  if (!pidAlive(h.pid)) return 'dead';
  if (h.procStart !== undefined) {
    const now = procStart(h.pid);
    if (now !== undefined && now !== h.procStart) return 'dead'; // the pid now belongs to another process
  }
  return 'alive';
}

function isHolder(v: unknown): v is LockHolder {
  if (typeof v !== 'object' || v === null) return false;
  const h = v as Record<string, unknown>;
  return Number.isInteger(h.pid) && typeof h.host === 'string' && typeof h.command === 'string' && typeof h.since === 'string' && typeof h.token === 'string';
}

type Read = { holder: LockHolder; ino: number } | { holder: null; ino: number; ageMs: number } | 'gone';

function readLock(path: string): Read {
  let ino: number, mtimeMs: number, text: string;
  try {
    ({ ino, mtimeMs } = statSync(path));
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw err;
  }
  try {
    const v: unknown = JSON.parse(text);
    if (isHolder(v)) return { holder: v, ino };
  } catch {
    // unreadable: handled below
  }
  return { holder: null, ino, ageMs: Date.now() - mtimeMs };
}

/** `sweep run (pid 123 on host h, since 2026-01-01T00:00:00.000Z)` */
export function describeHolder(h: LockHolder): string {
  return `${h.command} (pid ${h.pid} on host ${h.host}, since ${h.since})`;
}

/** Locks this process holds; process.exit() (a second Ctrl-C) skips finally blocks but not 'exit' listeners. */
const held = new Set<FolderLock>();
let exitListener = false;

export class FolderLock {
  private released = false;

  private constructor(
    readonly dir: string,
    readonly path: string,
    readonly holder: LockHolder,
    /** a dead holder's lock this one replaced (worth a note to the user) */
    readonly replaced: LockHolder | null,
  ) {
    held.add(this);
    if (!exitListener) {
      exitListener = true;
      process.on('exit', () => {
        for (const lock of [...held]) lock.release();
      });
    }
  }

  /**
   * Takes the folder's lock or throws FolderLockedError naming the holder. A bad folder path
   * (a file, a missing parent, no permission) throws OutputFolderError.
   */
  static acquire(dir: string, command: string, opts: AcquireOptions = {}): FolderLock {
    if (opts.create) {
      try {
        makeFolder(dir);
      } catch (err) {
        throw folderAccessError(dir, err);
      }
    }
    const path = join(dir, LOCK_FILE);
    const holder: LockHolder = { pid: process.pid, host: hostname(), command, since: new Date().toISOString(), token: randomBytes(8).toString('hex') };
    const start = procStart(process.pid);
    if (start !== undefined) holder.procStart = start;
    let replaced: LockHolder | null = null;
    // a few rounds: each lost race or stale lock removed costs one
    for (let round = 0; round < 8; round++) {
      if (tryCreate(dir, path, holder)) return new FolderLock(dir, path, holder, replaced);
      const found = readLock(path);
      if (found === 'gone') continue;
      if (found.holder === null) {
        if (found.ageMs < UNREADABLE_GRACE_MS) throw new FolderLockedError(`${dir} is locked (${path} is being written or is not a lock file); try again, or remove it if no sweep command uses ${dir}`, null);
        removeIfSame(path, found.ino, null);
        continue;
      }
      const state = holderState(found.holder);
      if (state === 'alive') throw new FolderLockedError(`${dir} is in use by ${describeHolder(found.holder)}; wait for it to finish or choose another folder`, found.holder);
      if (state === 'remote') {
        throw new FolderLockedError(`${dir} is locked by ${describeHolder(found.holder)}, which cannot be checked from host ${hostname()}; if it has ended, remove ${path}`, found.holder);
      }
      removeIfSame(path, found.ino, found.holder.token);
      replaced = found.holder;
    }
    throw new FolderLockedError(`${dir}: could not take ${path} (other processes keep taking it); try again`, null);
  }

  /** Removes the lock if it is still this one. Safe to call more than once. */
  release(): void {
    if (this.released) return;
    this.released = true;
    held.delete(this);
    try {
      const found = readLock(this.path);
      if (found !== 'gone' && found.holder?.token === this.holder.token) removeIfSame(this.path, found.ino, this.holder.token);
    } catch {
      // the folder became unreadable: the lock stays, and the next command finds its holder gone
    }
  }
}

/** Creates the lock file with its full content, or returns false if one exists. */
function tryCreate(dir: string, path: string, holder: LockHolder): boolean {
  const body = `${JSON.stringify(holder)}\n`;
  const tmp = `${path}.${holder.token}`;
  try {
    const fd = openSync(tmp, 'wx');
    try {
      writeSync(fd, body);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    rmSync(tmp, { force: true });
    throw folderAccessError(dir, err);
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS' || code === 'EOPNOTSUPP') return createExclusive(dir, path, body);
    throw folderAccessError(dir, err);
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
  }
}

/** For filesystems without hard links: an exclusive create, then the content. */
function createExclusive(dir: string, path: string, body: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw folderAccessError(dir, err);
  }
  try {
    writeSync(fd, body);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(path, { force: true });
    throw folderAccessError(dir, err);
  }
  closeSync(fd);
  return true;
}

/**
 * Removes the lock file at `path` only if it is still the one judged (same inode and token):
 * it is first renamed aside, which only one process can do, and put back if it turned out to
 * be a lock another process had just taken.
 */
function removeIfSame(path: string, ino: number, token: string | null): void {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const moved = readLock(aside);
  const same = moved !== 'gone' && moved.ino === ino && (moved.holder?.token ?? null) === token;
  if (!same) {
    try {
      linkSync(aside, path);
    } catch {
      // a third process took the folder meanwhile; the lock set aside is lost with its holder's claim
    }
  }
  try {
    unlinkSync(aside);
  } catch {
    // already gone
  }
}

/**
 * For commands without their own Ctrl-C handling (analyze, report): exit with 130 on SIGINT
 * (143 on SIGTERM), so 'exit' listeners release the lock. Returns the undo.
 */
export function exitOnInterrupt(): () => void {
  const onInt = () => process.exit(130);
  const onTerm = () => process.exit(143);
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  };
}
