// `sweep cancel` through the CLI: when it returns, no trainer process of the sweep is left, the
// sweep is cancelled, and the worker keeps serving other sweeps.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { SweepClient } from '../../client/sweep-client.js';
import { startNats, type NatsServer } from '../servers/nats.js';
import { startTemporal, type TemporalServer } from '../servers/temporal.js';
import { killAllChildren, pidAlive, type Child } from '../servers/children.js';
import { startOrchestratorProcess } from '../servers/orchestrator.js';
import { tinySpec, trainerPids, waitFor } from './cluster-helpers.js';

const cli = fileURLToPath(new URL('../../workers/cli.js', import.meta.url));
let nats: NatsServer;
let temporal: TemporalServer;
let worker: Child;
let client: SweepClient;
let dir: string;
const tag = randomUUID();
const queue = 'it-cancel';

function sweep(args: string[], timeoutMs = 120_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], {
      timeout: timeoutMs,
      env: { ...process.env, SWEEP_TEMPORAL_ADDRESS: temporal.address, SWEEP_NATS_URL: nats.url, SWEEP_TASK_QUEUE: queue },
    }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sweep-cancel-'));
  [nats, temporal] = await Promise.all([startNats(), startTemporal()]);
  worker = await startOrchestratorProcess({ temporal: temporal.address, nats: nats.url, taskQueue: queue, maxTrials: 2, env: { SWEEP_TEST_TAG: tag } });
  client = await SweepClient.connect({ temporal: temporal.address, nats: nats.url, taskQueue: queue });
});

after(async () => {
  await client?.close().catch(() => undefined);
  await killAllChildren();
  await temporal?.stop();
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('sweep cancel stops every trainer process of the sweep before it returns', { timeout: 300_000 }, async () => {
  // Trials long enough to be running when cancelled.
  const spec = tinySpec('cancel-me', {
    train: { steps: 1_000_000, batchSize: 16, evalEvery: 1000, logEvalPoints: 0 },
    grid: { seed: [0, 1, 2, 3] },
    // a trainer per trial (a cancelled pack: cluster-pack.test.ts)
    execution: { parallelism: 2, pack: 'off' },
  });
  const file = join(dir, 'spec.json');
  writeFileSync(file, JSON.stringify(spec));
  const submitted = await sweep(['submit', file]);
  assert.equal(submitted.code, 0, submitted.stderr);
  const id = submitted.stdout.trim();
  assert.match(id, /^cancel-me-/);

  const running = await waitFor('two trainers running', () => {
    const pids = trainerPids(tag);
    return pids.length === 2 ? pids : undefined;
  }, 120_000);
  const cancelled = await sweep(['cancel', id]);
  assert.equal(cancelled.code, 0, cancelled.stderr);
  assert.match(cancelled.stdout, /cancelled/);
  // No waiting here: cancel returned, so the trainers must already be gone.
  assert.deepEqual(trainerPids(tag), [], 'no trainer process of the sweep survives the cancel');
  for (const pid of running) assert.equal(pidAlive(pid), false, `trainer ${pid} is gone`);

  const s = await client.status(id);
  assert.equal(s.status, 'CANCELLED');
  const status = await sweep(['status', id]);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /cancelled/);
  const json = await sweep(['status', id, '--json', '--trials']);
  assert.equal(json.code, 0, json.stderr);
  const parsed = JSON.parse(json.stdout) as { status: string; trials: { trialId: string }[] };
  assert.equal(parsed.status, 'CANCELLED');
  assert.ok(Array.isArray(parsed.trials));
  // watch of an ended sweep prints its last state and exits with the sweep's code (130: cancelled)
  const watched = await sweep(['watch', id]);
  assert.equal(watched.code, 130, watched.stderr);
  assert.match(watched.stdout, /cancelled/);

  // The worker is unharmed and serves the next sweep.
  assert.equal(worker.proc.exitCode, null);
  const next = tinySpec('after-cancel', { grid: { seed: [0, 1] }, execution: { parallelism: 2 } });
  writeFileSync(file, JSON.stringify(next));
  const done = await sweep(['submit', file, '--wait'], 240_000);
  assert.equal(done.code, 0, done.stderr);
  assert.match(done.stderr, /2\/2 trials done \(2 succeeded/);
});

test('errors are one line naming the problem: unknown sweep, unreachable server, invalid spec', { timeout: 120_000 }, async () => {
  const unknown = await sweep(['status', 'no-such-sweep']);
  assert.equal(unknown.code, 1);
  assert.equal(unknown.stderr.trim(), 'sweep: no sweep with id no-such-sweep');
  const down = await sweep(['status', 'x', '--temporal', '127.0.0.1:1', '--connect-timeout', '1000']);
  assert.equal(down.code, 1);
  assert.match(down.stderr.trim(), /^sweep: cannot reach Temporal at 127\.0\.0\.1:1: [^\n]+$/);
  const file = join(dir, 'bad.json');
  writeFileSync(file, JSON.stringify({ ...tinySpec('bad'), model: { width: -1 } }));
  const bad = await sweep(['submit', file, '--temporal', '127.0.0.1:1']);
  assert.equal(bad.code, 2, 'validation happens before connecting');
  assert.match(bad.stderr, /model\.width/);
  const natsDown = await sweep(['report', 'x', '--out', join(dir, 'out'), '--nats', 'nats://127.0.0.1:1', '--connect-timeout', '1000']);
  assert.equal(natsDown.code, 1);
  assert.match(natsDown.stderr.trim(), /^sweep: cannot reach NATS at nats:\/\/127\.0\.0\.1:1: [^\n]+$/);
});
