// nats-server is killed and restarted in the middle of a cluster sweep (trainers publishing,
// the aggregator consuming, activities reading results): every evaluation point of every trial
// is stored exactly once, with the same values as a clean embedded run of the same spec.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveSpec } from '../../core/config/spec.js';
import { LineProgress } from '../../workers/embedded/progress.js';
import { runSweep } from '../../workers/embedded/runner.js';
import { readSweepMetrics } from '../../store/reader.js';
import { SweepClient } from '../../client/sweep-client.js';
import type { NatsServer } from '../servers/nats.js';
import { startCluster, type Cluster } from './cluster-fixture.js';
import { comparable, readFolder, tinySpec, waitFor } from './cluster-helpers.js';

let cluster: Cluster;
let nats: NatsServer;
let client: SweepClient;
const dirs: string[] = [];

before(async () => {
  cluster = await startCluster({ taskQueue: 'it-nats' });
  ({ nats, client } = cluster);
});

after(async () => {
  await cluster?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('nats-server restarted mid-sweep: no metric lost or duplicated in the stored results', { timeout: 900_000 }, async () => {
  const spec = tinySpec('nats-restart', {
    train: { steps: 400, batchSize: 16, evalEvery: 10, logEvalPoints: 0 },
    grid: { seed: [0, 1, 2, 3, 4, 5, 6, 7] },
    execution: { parallelism: 2, maxAttempts: 5 },
  });
  const resolved = resolveSpec(spec);
  const sub = await client.submit({ document: spec }, { options: { heartbeatTimeoutMs: 10_000, retryInitialIntervalMs: 500 } });
  await waitFor('two trials done and two running', async () => {
    const s = await client.status(sub.sweepId);
    return s.progress && s.progress.finished >= 2 && s.progress.inFlight === 2;
  }, 300_000);
  await nats.restart({ hard: true, downMs: 3000 });
  const result = await client.wait(sub.sweepId);
  assert.deepEqual(result.counts, { succeeded: 8, diverged: 0, failed: 0, cancelled: 0 });

  const clusterDir = mkdtempSync(join(tmpdir(), 'sweep-natsr-'));
  const embeddedDir = mkdtempSync(join(tmpdir(), 'sweep-natsr-'));
  dirs.push(clusterDir, embeddedDir);
  await client.report(sub.sweepId, clusterDir);
  await runSweep(resolved, { out: embeddedDir, parallel: 2, progress: new LineProgress(() => undefined) });
  const a = readFolder(clusterDir);
  const b = readFolder(embeddedDir);
  assert.equal(a.trials.length, 8);
  const byId = new Map(b.trials.map((t) => [t.id, t]));
  for (const t of a.trials) assert.deepEqual(comparable(t), comparable(byId.get(t.id)!), `trial ${t.id}`);

  // The stream itself holds each evaluation point once (message-id dedup), not only the report.
  const stored = await readSweepMetrics(await client.nats(), sub.sweepId);
  const key = (m: { trialId: string; step: number }) => `${m.trialId}:${m.step}`;
  assert.equal(stored.length, 8 * 41);
  assert.equal(new Set(stored.map(key)).size, stored.length);
  const clean = new Map(b.metrics.map((m) => [key(m), m]));
  assert.equal(a.metrics.length, clean.size);
  for (const m of a.metrics) {
    const { sweepId: _x, ...got } = m;
    const { sweepId: _y, ...want } = clean.get(key(m))!;
    assert.deepEqual(got, want, `metric ${key(m)}`);
  }
  // The aggregator's summaries agree.
  // The aggregator is eventually consistent: messages lost in transit at the restart come back
  // after the ack wait (30 s).
  const sums = await waitFor('aggregated summaries', async () => {
    const s = await client.trialSummaries(sub.sweepId);
    return s.length === 8 && s.every((t) => t.metrics === 41) ? s : undefined;
  }, 90_000, 1000);
  assert.equal(sums.length, 8);
  for (const s of sums) assert.equal(s.metrics, 41, `aggregated points of ${s.trialId}`);
});
