// The trainer entry point (workers/trainer.js LAUNCH.json) as a real process against a real
// nats-server: it publishes every metric and event with its message id; on SIGTERM it stops at
// the next step, stores what it produced (the cancelled event included) and exits 143; bad
// launches and an unreachable NATS are one-line errors with the documented exit codes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NatsConnection } from '@nats-io/transport-node';
import { resolveSpec } from '../../core/config/spec.js';
import { TRAINER_EXIT, type TrialLaunch } from '../../activities/executor.js';
import { connectNats } from '../../store/connect.js';
import { ensureStreams } from '../../store/streams.js';
import { readSweepMetrics, readTrialEvents } from '../../store/reader.js';
import { startNats, type NatsServer } from '../servers/nats.js';
import { killAllChildren, spawnChild } from '../servers/children.js';
import { tinySpec, waitFor } from './cluster-helpers.js';

const trainer = fileURLToPath(new URL('../../workers/trainer.js', import.meta.url));
let nats: NatsServer;
let nc: NatsConnection;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sweep-trainer-'));
  nats = await startNats();
  nc = await connectNats({ servers: [nats.url] });
  await ensureStreams(nc);
});

after(async () => {
  await nc?.close().catch(() => undefined);
  await killAllChildren();
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function launchFile(name: string, sweepId: string, train: Record<string, unknown>): { file: string; launch: TrialLaunch } {
  const plan = resolveSpec(tinySpec('trainer', { train })).plans[0];
  const launch: TrialLaunch = { sweepId, trialId: plan.id, attempt: 1, config: plan.config, nats: { servers: [nats.url] } };
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(launch));
  return { file, launch };
}

function runTrainer(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [trainer, ...args], { timeout: 120_000, env: { ...process.env, ...env } }, (err, _out, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr });
    });
  });
}

test('a trial runs to its outcome and every message is stored once', { timeout: 120_000 }, async () => {
  const { file, launch } = launchFile('ok', 'tr-ok', { steps: 20, batchSize: 16, evalEvery: 5, logEvalPoints: 0 });
  const r = await runTrainer([file]);
  assert.equal(r.code, TRAINER_EXIT.ok, r.stderr);
  const events = await readTrialEvents(nc, 'tr-ok', launch.trialId);
  assert.deepEqual(events.map((e) => e.event), ['started', 'finished']);
  assert.equal(events[1].final?.step, 20);
  const metrics = await readSweepMetrics(nc, 'tr-ok');
  assert.deepEqual(metrics.map((m) => m.step), [0, 5, 10, 15, 20]);
  // A second run of the same attempt (a retry) stores nothing new.
  const again = await runTrainer([file]);
  assert.equal(again.code, TRAINER_EXIT.ok, again.stderr);
  assert.equal((await readSweepMetrics(nc, 'tr-ok')).length, 5);
  assert.equal((await readTrialEvents(nc, 'tr-ok', launch.trialId)).length, 2);
});

test('SIGTERM: the trial stops, what it produced is stored with a cancelled event, exit 143', { timeout: 120_000 }, async () => {
  const { file, launch } = launchFile('term', 'tr-term', { steps: 1_000_000, batchSize: 16, evalEvery: 500, logEvalPoints: 0 });
  const child = spawnChild(process.execPath, [trainer, file]);
  await waitFor('evaluation points stored', async () => (await readSweepMetrics(nc, 'tr-term')).length >= 3, 60_000, 100);
  child.proc.kill('SIGTERM');
  const { code } = await child.exited;
  assert.equal(code, TRAINER_EXIT.terminated, child.output());
  const events = await readTrialEvents(nc, 'tr-term', launch.trialId);
  const cancelled = events.find((e) => e.event === 'cancelled');
  assert.ok(cancelled, `cancelled event stored (${events.map((e) => e.event)})`);
  const steps = (await readSweepMetrics(nc, 'tr-term')).map((m) => m.step);
  // Every evaluation point up to where it stopped is there, none twice.
  const expected = Array.from({ length: Math.floor(cancelled.step! / 500) + 1 }, (_, i) => i * 500);
  assert.deepEqual(steps, expected);
});

test('invalid launches exit 2 and an unreachable NATS exits 1, each with one line', { timeout: 120_000 }, async () => {
  const { file, launch } = launchFile('bad', 'tr-bad', { steps: 2, batchSize: 16 });
  writeFileSync(file, JSON.stringify({ ...launch, trialId: '0123456789abcdef' }));
  const wrongId = await runTrainer([file]);
  assert.equal(wrongId.code, TRAINER_EXIT.invalid);
  assert.match(wrongId.stderr.trim(), /^trainer: invalid .*trialId: 0123456789abcdef is not the id of this config \([0-9a-f]{16}\)$/);
  writeFileSync(file, JSON.stringify({ ...launch, config: { ...launch.config, model: { ...launch.config.model, width: 0 } } }));
  const badConfig = await runTrainer([file]);
  assert.equal(badConfig.code, TRAINER_EXIT.invalid);
  assert.match(badConfig.stderr, /config\.model\.width/);
  const missing = await runTrainer([join(dir, 'nope.json')]);
  assert.equal(missing.code, TRAINER_EXIT.invalid);
  assert.match(missing.stderr, /cannot read launch file/);
  const { file: good } = launchFile('down', 'tr-down', { steps: 2, batchSize: 16 });
  const down = await runTrainer([good], { SWEEP_NATS_URL: 'nats://127.0.0.1:1' });
  assert.equal(down.code, TRAINER_EXIT.error);
  assert.match(down.stderr, /^trainer: cannot reach NATS at nats:\/\/127\.0\.0\.1:1: .+$/m);
});
