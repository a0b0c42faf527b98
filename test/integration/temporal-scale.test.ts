// A 2,000-trial sweep of trivial (real, 1-step) trials through Temporal: it completes, every
// run of the sweep workflow stays well under the history limits (continue-as-new is taken,
// several times), no more than `parallelism` trials are ever in flight, and the server logs
// no history warning. The server is configured with low thresholds so this happens at 2,000
// trials the way it would at 10,000+ with the defaults.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SweepClient } from '../../client/sweep-client.js';
import type { TemporalServer } from '../servers/temporal.js';
import { startCluster, type Cluster } from './cluster-fixture.js';
import { tinySpec } from './cluster-helpers.js';

const SUGGEST_CAN = 1500;
const WARN = 4000;
let cluster: Cluster;
let temporal: TemporalServer;
let client: SweepClient;

before(async () => {
  cluster = await startCluster({
    taskQueue: 'it-scale',
    temporal: {
      dynamicConfig: {
        'limit.historyCount.suggestContinueAsNew': SUGGEST_CAN,
        'limit.historyCount.warn': WARN,
        'limit.historySize.warn': 2 * 1024 * 1024,
      },
    },
    // Trivial trials run inside the worker (a process per 1-step trial would cost more than the trial).
    orchestrator: { maxTrials: 40, localMode: 'in-process' },
  });
  ({ temporal, client } = cluster);
});

after(async () => {
  await cluster?.stop();
});

test('2,000 trivial trials: completes through continue-as-new without history warnings', { timeout: 1_800_000 }, async () => {
  const spec = tinySpec('scale', {
    train: { steps: 1, batchSize: 16, evalEvery: 1, logEvalPoints: 0 },
    measure: { gradNorm: false, weightMovement: false },
    grid: { seed: { linspace: [0, 1999, 2000] } },
    execution: { parallelism: 60 },
  });
  const t0 = Date.now();
  const sub = await client.submit({ document: spec });
  assert.equal(sub.trials, 2000);
  let maxInFlight = 0;
  let polls = 0;
  const watching = client.watch(sub.sweepId, (s) => {
    polls++;
    if (s.progress) maxInFlight = Math.max(maxInFlight, s.progress.inFlight);
  }, { intervalMs: 2000 });
  const result = await client.wait(sub.sweepId);
  await watching;
  const seconds = (Date.now() - t0) / 1000;
  assert.equal(result.finished, 2000);
  assert.deepEqual(result.counts, { succeeded: 2000, diverged: 0, failed: 0, cancelled: 0 });
  assert.equal(result.analysis.records, 2000);
  assert.ok(polls > 0 && maxInFlight <= 60, `in flight never above parallelism (max seen ${maxInFlight})`);

  const runs = await client.runs(sub.sweepId);
  assert.equal(runs.length, result.runs, 'the workflow counts its own runs');
  assert.ok(runs.length >= 4, `continue-as-new taken several times (${runs.length} runs)`);
  assert.equal(runs.filter((r) => r.status === 'CONTINUED_AS_NEW').length, runs.length - 1);
  for (const r of runs) assert.ok(r.historyLength < WARN, `run ${r.runId} has ${r.historyLength} events (warn at ${WARN})`);
  assert.doesNotMatch(temporal.log(), /exceeds warn limit|exceeds error limit|Blob size exceeds/i, 'no history or payload warning in the server log');
  console.log(`2000 trials in ${seconds.toFixed(0)} s (${(2000 / seconds).toFixed(1)} trials/s), ${runs.length} runs, history lengths ${runs.map((r) => r.historyLength).join(', ')}`);
});
