// Recurring sweeps on a real Temporal dev server, through the CLI: a schedule fires and starts a
// sweep that runs to completion (its id carries the firing time, ':' included), firings that
// come while the previous sweep still runs are skipped, list and delete work, bad input is one line.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SweepClient } from '../../client/sweep-client.js';
import type { NatsServer } from '../servers/nats.js';
import type { TemporalServer } from '../servers/temporal.js';
import { startCluster, type Cluster } from './cluster-fixture.js';
import { readFolder, tinySpec, waitFor } from './cluster-helpers.js';

const cli = fileURLToPath(new URL('../../workers/cli.js', import.meta.url));
const queue = 'it-schedule';
let cluster: Cluster;
let nats: NatsServer;
let temporal: TemporalServer;
let client: SweepClient;
let dir: string;

function sweep(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], {
      timeout: 120_000,
      env: { ...process.env, SWEEP_TEMPORAL_ADDRESS: temporal.address, SWEEP_NATS_URL: nats.url, SWEEP_TASK_QUEUE: queue },
    }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sweep-sched-'));
  cluster = await startCluster({ taskQueue: queue });
  ({ nats, temporal, client } = cluster);
});

after(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a schedule fires, its sweep completes, overlapping firings are skipped; list and delete', { timeout: 600_000 }, async () => {
  const file = join(dir, 'nightly.json');
  // Each sweep takes longer than the 2 s interval: four trials one after another, a trainer
  // process started for each.
  writeFileSync(file, JSON.stringify(tinySpec('nightly-canary', { grid: { seed: [0, 1, 2, 3] }, train: { steps: 300, batchSize: 16, evalEvery: 100, logEvalPoints: 0 }, execution: { parallelism: 1 } })));
  const created = await sweep(['schedule', 'create', 'canary', '--cron', '@every 2s', file]);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /^schedule canary: @every 2s, next run \d{4}-/);

  const fired = await waitFor('a sweep started by the schedule', async () => {
    const d = await client.describeSchedule('canary');
    return d.recentSweeps.length ? d.recentSweeps[0] : undefined;
  }, 60_000);
  assert.match(fired, /^canary-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'Temporal names scheduled runs <schedule>-<time>');
  const result = await client.wait(fired);
  assert.equal(result.finished, 4);
  assert.equal(result.counts.succeeded, 4);
  const out = join(dir, 'report');
  const rep = await sweep(['report', fired, '--out', out]);
  assert.equal(rep.code, 0, rep.stderr);
  assert.equal(readFolder(out).trials.length, 4);

  const info = await client.describeSchedule('canary');
  assert.ok((info.skippedOverlap ?? 0) >= 1, `firings during a running sweep are skipped (${JSON.stringify(info)})`);
  const listed = await waitFor('schedule in the list', async () => {
    const r = await sweep(['schedule', 'list']);
    return /canary: @every 2s \(nightly-canary\)/.test(r.stdout) ? r : undefined;
  }, 30_000, 500);
  assert.equal(listed.code, 0);

  const deleted = await sweep(['schedule', 'delete', 'canary']);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.equal(deleted.stdout.trim(), 'schedule canary deleted');
  const again = await sweep(['schedule', 'delete', 'canary']);
  assert.equal(again.code, 1);
  assert.equal(again.stderr.trim(), 'sweep: no schedule named "canary"');
  await waitFor('schedule gone from the list', async () => !/canary/.test((await sweep(['schedule', 'list'])).stdout), 30_000, 500);
  // Sweeps the schedule started are not affected by deleting it.
  const last = (await client.status(fired)).status;
  assert.equal(last, 'COMPLETED');
});

test('trigger starts a sweep now; bad schedule input is a one-line error', { timeout: 300_000 }, async () => {
  const file = join(dir, 'manual.json');
  writeFileSync(file, JSON.stringify(tinySpec('manual-canary', { grid: { seed: [0] } })));
  const created = await sweep(['schedule', 'create', 'yearly', '--cron', '0 3 1 1 *', file]);
  assert.equal(created.code, 0, created.stderr);
  await client.triggerSchedule('yearly');
  const fired = await waitFor('the triggered sweep', async () => (await client.describeSchedule('yearly')).recentSweeps[0], 60_000);
  assert.equal((await client.wait(fired)).counts.succeeded, 1);

  const dup = await sweep(['schedule', 'create', 'yearly', '--cron', '0 3 1 1 *', file]);
  assert.equal(dup.code, 2);
  assert.equal(dup.stderr.trim(), 'sweep: schedule "yearly" already exists (delete it first)');
  const badCron = await sweep(['schedule', 'create', 'broken', '--cron', 'whenever', file]);
  assert.equal(badCron.code, 2);
  assert.match(badCron.stderr.trim(), /^sweep: --cron: [^\n]+$/);
  const badName = await sweep(['schedule', 'create', 'no spaces', '--cron', '@daily', file]);
  assert.equal(badName.code, 2);
  assert.match(badName.stderr.trim(), /^sweep: schedule name "no spaces": /);
  await sweep(['schedule', 'delete', 'yearly']);
});
