// The orchestrator worker (a real process) stops on SIGTERM by itself: everything it started —
// the Temporal worker and connection, NATS, the aggregator, the /metrics server, the executors
// with the Kubernetes Job garbage collector and its Temporal client — is closed, so the process
// ends without process.exit. A handle left open would keep it alive (and be named in its output).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNats, type NatsServer } from '../servers/nats.js';
import { startTemporal, type TemporalServer } from '../servers/temporal.js';
import { killAllChildren } from '../servers/children.js';
import { startOrchestratorProcess } from '../servers/orchestrator.js';
import { freePort } from '../servers/free-port.js';
import { SweepClient } from '../../client/sweep-client.js';
import { tinySpec, trainerPids, waitFor } from './cluster-helpers.js';

let nats: NatsServer;
let temporal: TemporalServer;
let dir: string;
let client: SweepClient | undefined;

before(async () => {
  [nats, temporal] = await Promise.all([startNats(), startTemporal()]);
  dir = mkdtempSync(join(tmpdir(), 'sweep-shutdown-'));
});

after(async () => {
  await client?.close().catch(() => undefined);
  await killAllChildren();
  await temporal?.stop();
  await nats?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Credentials for an API server that is not there: the executor is built, its watches never list. */
function unreachableKubeconfig(port: number): string {
  const file = join(dir, 'kubeconfig');
  writeFileSync(file, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'gone',
    clusters: [{ name: 'gone', cluster: { server: `http://127.0.0.1:${port}` } }],
    users: [{ name: 'gone', user: { token: 'x' } }],
    contexts: [{ name: 'gone', context: { cluster: 'gone', user: 'gone', namespace: 'default' } }],
  }));
  return file;
}

test('SIGTERM: the orchestrator worker exits by itself within seconds, with no handle left open', { timeout: 180_000 }, async () => {
  const worker = await startOrchestratorProcess({
    temporal: temporal.address, nats: nats.url, taskQueue: 'it-shutdown',
    env: {
      KUBECONFIG: unreachableKubeconfig(await freePort()),
      // a collector pass every second, always: one is waiting for the API server at shutdown
      SWEEP_KUBE_GC_INTERVAL_S: '1',
      SWEEP_METRICS_PORT: String(await freePort()),
      SWEEP_REPORT_HANDLES: '1',
    },
  });
  assert.match(worker.output(), /executors local,kubernetes/);
  assert.match(worker.output(), /metrics on http:/);
  await new Promise((r) => setTimeout(r, 2500)); // let the collector start its passes
  const sent = Date.now();
  worker.proc.kill('SIGTERM');
  const ended = await Promise.race([worker.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15_000))]);
  assert.notEqual(ended, 'hung', `the worker did not exit within 15 s of SIGTERM:\n${worker.output().slice(-2000)}`);
  assert.deepEqual(ended, { code: 0, signal: null }, worker.output().slice(-2000));
  assert.ok(Date.now() - sent < 15_000);
  assert.doesNotMatch(worker.output(), /still open after shutdown|garbage collection failed/);
});

test('SIGTERM with a trial running: its trainer is stopped, then the worker exits by itself', { timeout: 300_000 }, async () => {
  const tag = `shutdown-${process.pid}`;
  const worker = await startOrchestratorProcess({
    temporal: temporal.address, nats: nats.url, taskQueue: 'it-shutdown-busy', maxTrials: 1,
    env: { SWEEP_TEST_TAG: tag, SWEEP_REPORT_HANDLES: '1' },
  });
  client = await SweepClient.connect({ temporal: temporal.address, nats: nats.url, taskQueue: 'it-shutdown-busy' });
  const spec = tinySpec('shutdown-busy', { train: { steps: 1_000_000, batchSize: 16, evalEvery: 1000, logEvalPoints: 0 } });
  await client.submit({ document: spec }, { options: { heartbeatTimeoutMs: 5000, retryInitialIntervalMs: 200 } });
  await waitFor('a trainer running', () => trainerPids(tag).length > 0, 120_000);
  const sent = Date.now();
  worker.proc.kill('SIGTERM');
  const ended = await Promise.race([worker.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000))]);
  assert.notEqual(ended, 'hung', `the worker did not exit within 30 s of SIGTERM:\n${worker.output().slice(-2000)}`);
  assert.deepEqual(ended, { code: 0, signal: null }, worker.output().slice(-2000));
  assert.ok(Date.now() - sent < 30_000);
  assert.doesNotMatch(worker.output(), /still open after shutdown/);
  await waitFor('its trainer to be gone', () => trainerPids(tag).length === 0, 10_000);
});
