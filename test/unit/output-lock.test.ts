// The output folder's lock: one holder at a time (also when processes race for it), the holder
// named in the refusal, released on every way a process ends except SIGKILL, and a lock left
// by a dead process taken over.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutputFolderError } from '../../core/output/folder.js';
import { FolderLock, FolderLockedError, LOCK_FILE, type LockHolder } from '../../core/output/lock.js';

const root = mkdtempSync(join(tmpdir(), 'sweep-lock-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => {
  const d = join(root, `d${n++}`);
  mkdirSync(d);
  return d;
};
const LOCK_MODULE = new URL('../../core/output/lock.js', import.meta.url).href;

/** A pid that is certainly not running: a child that has exited (and been reaped). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  return r.pid!;
}

function writeLock(dir: string, h: Partial<LockHolder>): void {
  const holder = { pid: deadPid(), host: hostname(), command: 'sweep run', since: '2026-01-01T00:00:00.000Z', token: 'feedface', ...h };
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify(holder));
}

/** Runs `body` (module code with `FolderLock` and `dir` in scope) in a child process. */
function child(dir: string, body: string) {
  const code = `import { FolderLock } from ${JSON.stringify(LOCK_MODULE)}; const dir = ${JSON.stringify(dir)};\n${body}`;
  const p = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  p.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>((resolve) =>
    p.on('close', (code, signal) => resolve({ code, signal, out, err })));
  return { p, done, out: () => out };
}

test('a second holder is refused with one line naming pid, host, command and since; release frees the folder', () => {
  const dir = freshDir();
  const lock = FolderLock.acquire(dir, 'sweep run');
  const h = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as LockHolder;
  assert.equal(h.pid, process.pid);
  assert.equal(h.host, hostname());
  assert.equal(h.command, 'sweep run');
  assert.ok(!Number.isNaN(Date.parse(h.since)));
  assert.throws(() => FolderLock.acquire(dir, 'sweep analyze'), (err: unknown) => {
    assert.ok(err instanceof FolderLockedError && err instanceof OutputFolderError);
    assert.equal(err.message, `${dir} is in use by sweep run (pid ${process.pid} on host ${hostname()}, since ${h.since}); wait for it to finish or choose another folder`);
    assert.equal(err.holder?.token, h.token);
    return true;
  });
  lock.release();
  lock.release(); // twice is harmless
  assert.ok(!existsSync(join(dir, LOCK_FILE)));
  FolderLock.acquire(dir, 'sweep analyze').release();
  assert.deepEqual(readdirSync(dir), [], 'no temporary file is left');
});

test('a lock of a dead process on this host is stale and taken over; the old holder is reported', () => {
  const dir = freshDir();
  writeLock(dir, {});
  const lock = FolderLock.acquire(dir, 'sweep run');
  assert.equal(lock.replaced?.token, 'feedface');
  assert.equal(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid, process.pid);
  lock.release();
  assert.deepEqual(readdirSync(dir), []);
});

test('a live pid that now belongs to another process (start time differs) is stale too', () => {
  const dir = freshDir();
  writeLock(dir, { pid: process.pid, procStart: '1' }); // this process did not start at tick 1
  const lock = FolderLock.acquire(dir, 'sweep run');
  assert.equal(lock.replaced?.procStart, '1');
  lock.release();
});

test('a lock from another host is refused with how to remove it', () => {
  const dir = freshDir();
  writeLock(dir, { host: 'elsewhere.example', pid: 4242 });
  assert.throws(() => FolderLock.acquire(dir, 'sweep run'), (err: unknown) => {
    assert.ok(err instanceof FolderLockedError);
    assert.equal(err.message, `${dir} is locked by sweep run (pid 4242 on host elsewhere.example, since 2026-01-01T00:00:00.000Z), which cannot be checked from host ${hostname()}; if it has ended, remove ${join(dir, LOCK_FILE)}`);
    return true;
  });
  assert.ok(existsSync(join(dir, LOCK_FILE)), 'the remote lock is left alone');
});

test('an unreadable lock file is respected while fresh, removed once old', () => {
  const dir = freshDir();
  const path = join(dir, LOCK_FILE);
  writeFileSync(path, '{"pid": 12');
  assert.throws(() => FolderLock.acquire(dir, 'sweep run'), FolderLockedError);
  const old = new Date(Date.now() - 60_000);
  utimesSync(path, old, old);
  FolderLock.acquire(dir, 'sweep run').release();
});

test('bad folders are one-line OutputFolderErrors naming the folder', () => {
  const dir = freshDir();
  const file = join(dir, 'file');
  writeFileSync(file, 'x');
  assert.throws(() => FolderLock.acquire(file, 'sweep run', { create: true }), (err: unknown) =>
    err instanceof OutputFolderError && err.message === `${file}: cannot be used as an output folder: exists and is not a folder (EEXIST)`);
  assert.throws(() => FolderLock.acquire(join(file, 'sub'), 'sweep run', { create: true }), (err: unknown) =>
    err instanceof OutputFolderError && err.message === `${join(file, 'sub')}: cannot be used as an output folder: a part of the path is a file, not a folder (ENOTDIR)`);
  // where mkdir answers ENOENT under an existing parent, Node's recursive mkdir spun forever
  assert.throws(() => FolderLock.acquire('/proc/self/out', 'sweep run', { create: true }), (err: unknown) =>
    err instanceof OutputFolderError && err.message === '/proc/self/out: cannot be used as an output folder: no such folder (ENOENT)');
  const nested = join(dir, 'a', 'b', 'c');
  FolderLock.acquire(nested, 'sweep run', { create: true }).release();
  assert.deepEqual(readdirSync(nested), [], 'missing parents are created');
  assert.throws(() => FolderLock.acquire(join(dir, 'missing'), 'sweep analyze'), (err: unknown) =>
    err instanceof OutputFolderError && err.message === `${join(dir, 'missing')}: cannot be used as an output folder: no such folder (ENOENT)`);
});

test('processes racing for a free folder, and for a stale lock: exactly one holds it at a time', { timeout: 60_000 }, async () => {
  for (const stale of [false, true]) {
    const dir = freshDir();
    if (stale) writeLock(dir, {});
    // each child tries once; the one that got the lock holds it until every child has answered
    const body = `
      try { FolderLock.acquire(dir, 'sweep run'); process.on('SIGINT', () => process.exit(0)); setInterval(() => {}, 1000); console.log('got'); }
      catch (e) { console.log(e.constructor.name); }`;
    const kids = Array.from({ length: 6 }, () => child(dir, body));
    while (!kids.every((k) => k.out().includes('\n'))) await new Promise((r) => setTimeout(r, 20));
    for (const k of kids) if (k.out().trim() === 'got') k.p.kill('SIGINT');
    const results = await Promise.all(kids.map((k) => k.done));
    const outs = results.map((r) => r.out.trim());
    assert.equal(outs.filter((o) => o === 'got').length, 1, `${stale ? 'stale' : 'free'} folder: ${outs.join(', ')}`);
    assert.ok(outs.every((o) => o === 'got' || o === 'FolderLockedError'), outs.join(', '));
    assert.deepEqual(readdirSync(dir), [], 'the lock and every temporary file are gone');
  }
});

test('released on process.exit, on an uncaught error and on SIGINT handled by exit; left by SIGKILL and then stale', { timeout: 60_000 }, async () => {
  const hold = `const l = FolderLock.acquire(dir, 'sweep run');`;
  // 'held' is printed last, once everything (the SIGINT handler too) is in place
  const cases: [string, string][] = [
    ['process.exit', `${hold} console.log('held'); process.exit(3);`],
    ['uncaught error', `${hold} console.log('held'); setTimeout(() => { throw new Error('boom'); }, 10);`],
    ['Ctrl-C', `${hold} process.on('SIGINT', () => process.exit(130)); setInterval(() => {}, 1000); console.log('held');`],
  ];
  for (const [what, body] of cases) {
    const dir = freshDir();
    const k = child(dir, body);
    while (!k.out().includes('held')) await new Promise((r) => setTimeout(r, 20));
    if (what === 'Ctrl-C') k.p.kill('SIGINT');
    const r = await k.done;
    assert.notEqual(r.code, 0, what);
    assert.ok(!existsSync(join(dir, LOCK_FILE)), `lock released after ${what}`);
  }
  const dir = freshDir();
  const k = child(dir, `${hold} setInterval(() => {}, 1000); console.log('held');`);
  while (!k.out().includes('held')) await new Promise((r) => setTimeout(r, 20));
  k.p.kill('SIGKILL');
  await k.done;
  assert.ok(existsSync(join(dir, LOCK_FILE)), 'SIGKILL leaves the lock');
  const lock = FolderLock.acquire(dir, 'sweep run');
  assert.equal(lock.replaced?.pid, k.p.pid, 'the next holder sees it stale');
  lock.release();
});
