// `sweep dev` as a newcomer uses it: start the local cluster, submit the quickstart through the
// CLI, read the report, Ctrl-C, and nothing is left running or listening. Also: the data folder
// outlives a restart, a `sweep dev` killed with SIGKILL has its servers stopped by the next one,
// and a missing binary or a busy port is refused in one line before anything starts.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killAllChildren, pidAlive, spawnChild, type Child } from '../servers/children.js';
import { readJsonl, waitFor } from './cluster-helpers.js';

const cli = fileURLToPath(new URL('../../workers/cli.js', import.meta.url));
const quickstart = fileURLToPath(new URL('../../../examples/quickstart.yaml', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'sweep-dev-test-'));
const started: string[] = [];

after(async () => {
  await killAllChildren();
  // whatever a failed test left in a data folder
  for (const dir of started) {
    try {
      for (const p of JSON.parse(readFileSync(join(dir, 'processes.json'), 'utf8')) as { pid: number }[]) {
        try { process.kill(-p.pid, 'SIGKILL'); } catch { /* gone */ }
      }
    } catch {
      // none recorded
    }
  }
  rmSync(work, { recursive: true, force: true });
});

interface Run { code: number; stdout: string; stderr: string }

function sweep(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 600_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { timeout: timeoutMs, cwd: work, env: { ...process.env, SWEEP_DEBUG: '', ...env }, maxBuffer: 1 << 24 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

interface Dev {
  child: Child;
  temporal: string;
  nats: string;
  /** every loopback port the banner names */
  ports: number[];
}

/** Starts `sweep dev` on free ports and waits for its banner. */
async function startDev(dir: string): Promise<Dev> {
  started.push(dir);
  const child = spawnChild(process.execPath, [cli, 'dev', '--dir', dir, '--temporal-port', '0', '--ui-port', '0', '--nats-port', '0', '--max-trials', '2'], { cwd: work });
  let exited = false;
  void child.exited.then(() => { exited = true; });
  const banner = await waitFor('the sweep dev banner', () => {
    if (exited) throw new Error(`sweep dev exited: ${child.output()}`);
    return /^Ctrl-C stops everything/m.test(child.output()) && child.output();
  }, 180_000);
  const temporal = /SWEEP_TEMPORAL_ADDRESS=(\S+)/.exec(banner)?.[1];
  const nats = /SWEEP_NATS_URL=(\S+)/.exec(banner)?.[1];
  assert.ok(temporal && nats, banner);
  const ports = [...banner.matchAll(/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
  return { child, temporal, nats, ports: [...new Set(ports)] };
}

/** pids of `root` and all its descendants, from /proc. */
function processTree(root: number): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited while we looked
    }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const [pid, pp] of parent) if (pp === out[i]) out.push(pid);
  return out;
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv: Server = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

async function assertNothingLeft(pids: number[], ports: number[]): Promise<void> {
  await waitFor('every process of the local cluster to end', () => pids.every((p) => !pidAlive(p)), 30_000);
  for (const p of ports) assert.ok(await portFree(p), `port ${p} is still in use`);
}

test('sweep dev runs the quickstart and leaves no process or port after Ctrl-C', { timeout: 900_000 }, async () => {
  const dir = join(work, 'cluster');
  const dev = await startDev(dir);
  const flags = ['--temporal', dev.temporal, '--nats', dev.nats];
  const submitted = await sweep(['submit', quickstart, '--wait', ...flags]);
  assert.equal(submitted.code, 0, submitted.stderr);
  const id = submitted.stdout.trim();
  assert.match(submitted.stderr, /completed after .*54\/54 trials done/);

  const out = join(work, 'report');
  const report = await sweep(['report', id, '--out', out, ...flags]);
  assert.equal(report.code, 0, report.stderr);
  const trials = readJsonl<{ sweepId: string; outcome: string }>(join(out, 'trials.jsonl'));
  assert.equal(trials.length, 54);
  assert.ok(trials.every((t) => t.sweepId === id && (t.outcome === 'succeeded' || t.outcome === 'diverged')));
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { lrTransfer?: unknown[] };
  assert.equal(summary.lrTransfer?.length, 2, 'one lr-transfer fit per parametrization');
  assert.ok(existsSync(join(out, 'report.html')));

  // a second sweep, stopped by Ctrl-C while its trainers run: they go too
  const second = await sweep(['submit', quickstart, ...flags]);
  assert.equal(second.code, 0, second.stderr);
  const trainers = await waitFor('a trainer of the second sweep', () => processTree(dev.child.pid).filter((p) => cmdline(p).includes('workers/trainer.js')).length > 0 && true, 120_000, 50);
  assert.ok(trainers);
  const pids = processTree(dev.child.pid);
  assert.ok(pids.length >= 4, `sweep dev, Temporal, NATS, the worker and its trainers: ${pids.map(cmdline).join('\n')}`);
  process.kill(dev.child.pid, 'SIGINT');
  const exit = await dev.child.exited;
  assert.deepEqual(exit, { code: 0, signal: null }, dev.child.output());
  assert.match(dev.child.output(), /sweep dev: stopped; data kept in /);
  await assertNothingLeft(pids, dev.ports);
  assert.ok(!existsSync(join(dir, 'sweep.lock')) && !existsSync(join(dir, 'processes.json')));

  // the data folder keeps the sweeps for the next sweep dev
  const again = await startDev(dir);
  const status = await sweep(['status', id, '--temporal', again.temporal, '--nats', again.nats]);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout + status.stderr, /completed/);
  // killed outright, it cannot stop its servers: the next sweep dev does
  const orphans = processTree(again.child.pid).slice(1);
  process.kill(again.child.pid, 'SIGKILL');
  await again.child.exited;
  assert.ok(orphans.some(pidAlive), 'the servers outlive a SIGKILLed sweep dev');
  const third = await startDev(dir);
  assert.match(third.child.output(), /stopped what an earlier sweep dev left running: temporal \(pid \d+\), nats-server \(pid \d+\), worker \(pid \d+\)/);
  await waitFor('the leftovers to end', () => orphans.every((p) => !pidAlive(p)), 30_000);
  const thirdPids = processTree(third.child.pid);
  process.kill(third.child.pid, 'SIGTERM');
  assert.deepEqual(await third.child.exited, { code: 0, signal: null }, third.child.output());
  await assertNothingLeft(thirdPids, [...third.ports, ...again.ports]);
});

test('sweep dev refuses a missing binary in one line, naming the install command', async () => {
  const emptyCache = join(work, 'empty-cache');
  mkdirSync(emptyCache, { recursive: true });
  const dir = join(work, 'no-binary');
  const r = await sweep(['dev', '--dir', dir, '--temporal-port', '0', '--nats-port', '0'], { SWEEP_CACHE_DIR: emptyCache, PATH: dirname(process.execPath) });
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr.trim().split('\n').filter((l) => !l.startsWith('sweep dev: starting')).length, 1, r.stderr);
  assert.match(r.stderr, /temporal not found in .*; install it with: npm run setup:servers -- temporal/);
  assert.ok(!existsSync(dir), 'nothing was created');
});

test('sweep dev refuses a busy port in one line, naming the flag', async () => {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const busy = (srv.address() as import('node:net').AddressInfo).port;
  try {
    const dir = join(work, 'busy');
    const r = await sweep(['dev', '--dir', dir, '--temporal-port', String(busy), '--no-ui', '--nats-port', '0']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`port ${busy} \\(Temporal\\) is in use on 127\\.0\\.0\\.1.*--temporal-port`));
    assert.ok(!existsSync(join(dir, 'sweep.lock')) && !existsSync(join(dir, 'processes.json')), 'nothing started');
    const bad = await sweep(['dev', '--dir', dir, '--nats-port', 'x']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--nats-port: must be a whole number 0-65535, got "x"/);
  } finally {
    srv.close();
  }
});
