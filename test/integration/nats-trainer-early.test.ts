// A trainer started before any orchestrator worker created the JetStream streams: it says so in
// one line while it waits, and once the streams exist its messages are stored and it exits 0.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NatsConnection } from '@nats-io/transport-node';
import { resolveSpec } from '../../core/config/spec.js';
import { TRAINER_EXIT, type TrialLaunch } from '../../activities/executor.js';
import { connectNats } from '../../store/connect.js';
import { ensureStreams } from '../../store/streams.js';
import { readTrialEvents } from '../../store/reader.js';
import { startNats, type NatsServer } from '../servers/nats.js';
import { killAllChildren, spawnChild } from '../servers/children.js';
import { tinySpec, waitFor } from './cluster-helpers.js';

const trainer = fileURLToPath(new URL('../../workers/trainer.js', import.meta.url));
let nats: NatsServer;
let nc: NatsConnection;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sweep-trainer-early-'));
  nats = await startNats();
  nc = await connectNats({ servers: [nats.url] });
});

after(async () => {
  await nc?.close().catch(() => undefined);
  await killAllChildren();
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a trainer waiting for the streams says so once, then stores its trial when they appear', { timeout: 120_000 }, async () => {
  const plan = resolveSpec(tinySpec('early')).plans[0];
  const launch: TrialLaunch = { sweepId: 'early-1', trialId: plan.id, attempt: 1, config: plan.config, nats: { servers: [nats.url] } };
  const file = join(dir, 'launch.json');
  writeFileSync(file, JSON.stringify(launch));
  const child = spawnChild(process.execPath, [trainer, file]);
  const waiting = /trainer: no JetStream stream holds \S+ yet \(an orchestrator worker creates the streams when it starts\); retrying for up to 300 s/;
  await waitFor('the waiting line', () => waiting.test(child.output()), 60_000);
  // a few more retries go by without another line
  await new Promise((r) => setTimeout(r, 2000));
  await ensureStreams(nc);
  const end = await child.exited;
  assert.equal(end.code, TRAINER_EXIT.ok, child.output());
  assert.equal(child.output().split('\n').filter((l) => waiting.test(l)).length, 1, child.output());
  const events = await readTrialEvents(nc, 'early-1', plan.id);
  assert.deepEqual(events.map((e) => e.event), ['started', 'finished']);
});
