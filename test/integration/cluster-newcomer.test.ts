// Cluster mode as a newcomer meets it, on a real Temporal dev server and nats-server: a reused
// sweep id never reruns an old plan, the duration spans every continue-as-new run, status says
// how many trials really run and why the rest wait, cancelled trials reach the report, the
// report carries the real sweep id, cancel and status name the sweep's own task queue (no
// worker / busy worker), and invalid input exits with 2.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { SweepClient, SweepIdReused } from '../../client/sweep-client.js';
import { specHash } from '../../core/spec-hash.js';
import { WORKFLOW_TASK_TIMEOUT_MS } from '../../workflows/types.js';
import { statusLine } from '../../workers/commands/cluster.js';
import { startOrchestratorProcess } from '../servers/orchestrator.js';
import { startCluster, type Cluster } from './cluster-fixture.js';
import { readFolder, tinySpec, waitFor } from './cluster-helpers.js';

const cli = fileURLToPath(new URL('../../workers/cli.js', import.meta.url));
const queue = 'it-newcomer';
let cluster: Cluster;
let client: SweepClient;
let dir: string;
const fast = { heartbeatTimeoutMs: 10_000, retryInitialIntervalMs: 200 };

function sweep(args: string[], timeoutMs = 120_000): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], {
      timeout: timeoutMs,
      env: { ...process.env, SWEEP_TEMPORAL_ADDRESS: cluster.temporal.address, SWEEP_NATS_URL: cluster.nats.url, SWEEP_TASK_QUEUE: queue },
    }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr, ms: Date.now() - t0 }));
  });
}

function specFile(name: string, spec: unknown): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(spec));
  return file;
}

/** A trial that runs until it is cancelled. */
const endless = { train: { steps: 1_000_000, batchSize: 16, evalEvery: 1000, logEvalPoints: 0 } };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sweep-newcomer-'));
  cluster = await startCluster({ taskQueue: queue, orchestrator: { maxTrials: 2 } });
  ({ client } = cluster);
});

after(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a reused --id with another spec is refused naming both hashes; the same spec is a no-op', { timeout: 300_000 }, async () => {
  const a = tinySpec('spec-a', { grid: { seed: [0, 1, 2] } });
  const b = tinySpec('spec-b', { grid: { seed: [0, 1, 2, 3] } });
  const id = 'reused-id';
  const first = await sweep(['submit', specFile('a', a), '--id', id, '--wait'], 240_000);
  assert.equal(first.code, 0, first.stderr);
  // the final line once, not twice (the follower printed it already)
  const finals = first.stderr.split('\n').filter((l) => /completed.*3\/3 trials done/.test(l));
  assert.equal(finals.length, 1, first.stderr);

  const other = await sweep(['submit', specFile('b', b), '--id', id]);
  assert.equal(other.code, 2, other.stderr);
  assert.equal(other.stderr.trim().split('\n').length, 1, other.stderr);
  assert.ok(other.stderr.includes(specHash(a)) && other.stderr.includes(specHash(b)), other.stderr);
  await assert.rejects(client.submit({ document: b }, { sweepId: id }), (e) => e instanceof SweepIdReused && e.storedHash === specHash(a) && e.newHash === specHash(b));

  const runsBefore = (await client.runs(id)).length;
  const same = await sweep(['submit', specFile('a', a), '--id', id]);
  assert.equal(same.code, 0, same.stderr);
  assert.match(same.stderr, /already holds this spec .*completed.*nothing submitted/);
  assert.equal((await client.runs(id)).length, runsBefore, 'nothing was started again');

  // A workflow started under the id by anything else (the client's check bypassed) fails in
  // planning instead of running spec A's plan under spec B.
  const h = await client.temporal.workflow.start('sweepWorkflow', { workflowId: id, taskQueue: queue, args: [{ spec: b }] });
  await assert.rejects(h.result(), (e) => e instanceof WorkflowFailedError && e.cause instanceof ActivityFailure
    && e.cause.cause instanceof ApplicationFailure && e.cause.cause.type === 'SweepIdReused');
  const out = join(dir, 'reused-report');
  await client.report(id, out);
  assert.equal(readFolder(out).trials.length, 3, 'the report still holds spec A\'s three trials');
  assert.equal((JSON.parse(readFileSync(join(out, 'spec.json'), 'utf8')) as { name: string }).name, 'spec-a');
  // the report's summary carries the sweep's id, not the spec's name
  assert.equal((JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { sweepId: string }).sweepId, id);

  const listed = await sweep(['list']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, new RegExp(`^${id}  (completed|failed)  started `, 'm'));
});

test('scheduled sweeps keep distinct ids; sweep schedule trigger starts one now', { timeout: 300_000 }, async () => {
  const file = specFile('nightly', tinySpec('nightly', { grid: { seed: [0] } }));
  const created = await sweep(['schedule', 'create', 'nightly', '--cron', '0 3 1 1 *', file]);
  assert.equal(created.code, 0, created.stderr);
  const ids: string[] = [];
  for (let i = 0; i < 2; i++) {
    const t = await sweep(['schedule', 'trigger', 'nightly']);
    assert.equal(t.code, 0, t.stderr);
    const id = await waitFor('the triggered sweep', async () => {
      const recent = (await client.describeSchedule('nightly')).recentSweeps;
      return recent.length === i + 1 ? recent[i] : undefined;
    });
    await client.wait(id);
    ids.push(id);
  }
  assert.notEqual(ids[0], ids[1]);
  for (const id of ids) assert.equal((await client.status(id)).status, 'COMPLETED');
  const missing = await sweep(['schedule', 'trigger', 'no-such-schedule']);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr.trim(), 'sweep: no schedule named "no-such-schedule"');
  await client.deleteSchedule('nightly');
});

test('the duration spans every continue-as-new run, and every run keeps the long task timeout', { timeout: 300_000 }, async () => {
  const spec = tinySpec('chain', { grid: { seed: [0, 1, 2, 3, 4, 5] }, execution: { parallelism: 1 } });
  const sub = await client.submit({ document: spec }, { options: { ...fast, maxTrialsPerRun: 2 } });
  await client.wait(sub.sweepId);
  const runs: Array<{ start: number; end: number; runId: string }> = [];
  for await (const w of client.temporal.workflow.list({ query: `WorkflowId = '${sub.sweepId}'` })) {
    runs.push({ start: w.startTime.getTime(), end: (w.closeTime ?? w.startTime).getTime(), runId: w.runId });
  }
  assert.ok(runs.length >= 3, `continued as new (${runs.length} runs)`);
  runs.sort((x, y) => x.start - y.start);
  const s = await client.status(sub.sweepId);
  assert.equal(s.status, 'COMPLETED');
  // the first run's start to the last run's close; the workflow's clock and visibility's
  // start time of the same run differ by milliseconds, runs by far more
  assert.ok(Math.abs(s.startTime.getTime() - runs[0].start) < 1000, `${s.startTime.toISOString()} vs ${new Date(runs[0].start).toISOString()}`);
  assert.ok(s.startTime.getTime() < runs[1].start);
  assert.ok(s.closeTime!.getTime() - s.startTime.getTime() > runs[runs.length - 1].end - runs[runs.length - 1].start);
  // every run, including those started by continue-as-new, has the sweep's workflow-task timeout
  for (const r of runs) {
    const d = await client.temporal.workflow.getHandle(sub.sweepId, r.runId).describe();
    const t = d.raw.executionConfig?.defaultWorkflowTaskTimeout;
    assert.equal(Number(t?.seconds ?? 0) * 1000, WORKFLOW_TASK_TIMEOUT_MS, `run ${r.runId}`);
  }
});

test('status shows the trials that really run and why the rest wait; cancelled trials reach the report', { timeout: 300_000 }, async () => {
  const spec = tinySpec('capped', { ...endless, grid: { seed: [0, 1, 2, 3, 4, 5] }, execution: { parallelism: 6 } });
  const sub = await client.submit({ document: spec }, { options: fast });
  const s = await waitFor('six trials in flight', async () => {
    const st = await client.status(sub.sweepId);
    return st.progress?.inFlight === 6 ? st : undefined;
  }, 120_000);
  // the fixture's worker runs at most 2 trials (--max-trials 2)
  assert.equal(s.trialSlots, 2);
  assert.match(statusLine(s), /2 running and 4 waiting for a trial slot \(the workers on task queue it-newcomer run at most 2 trials at once: their --max-trials\)/);

  await client.cancel(sub.sweepId, { wait: true });
  const st = await client.status(sub.sweepId);
  assert.equal(st.status, 'CANCELLED');
  const cancelled = st.progress?.counts.cancelled;
  assert.equal(cancelled, 6, statusLine(st));
  const out = join(dir, 'capped-report');
  await client.report(sub.sweepId, out);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { sweepId: string; trials: Record<string, number> };
  assert.equal(summary.sweepId, sub.sweepId);
  assert.equal(summary.trials.cancelled, cancelled, 'the report counts the cancelled trials as status does');
  assert.equal(summary.trials.total, 6);
});

test('with no worker on the sweep\'s task queue, cancel returns at once and status names that queue', { timeout: 120_000 }, async () => {
  const elsewhere = await SweepClient.connect({ temporal: cluster.temporal.address, nats: cluster.nats.url, taskQueue: 'it-nobody' });
  try {
    const sub = await elsewhere.submit({ document: tinySpec('orphan', { grid: { seed: [0] } }) });
    // asked through a client configured for another queue: the hint names the sweep's own
    const s = await client.status(sub.sweepId, { queryTimeoutMs: 1000 });
    assert.equal(s.taskQueue, 'it-nobody');
    assert.match(statusLine(s), /no worker is polling task queue it-nobody/);
    const c = await sweep(['cancel', sub.sweepId], 60_000);
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, /cancellation requested; no worker is polling task queue it-nobody/);
    assert.ok(c.ms < 30_000, `cancel returned after ${c.ms} ms`);
    await elsewhere.temporal.workflow.getHandle(sub.sweepId).terminate('test cleanup');
  } finally {
    await elsewhere.close();
  }
});

test('a worker that does not answer in time is reported busy, not missing', { timeout: 180_000 }, async () => {
  const busyQueue = 'it-busy';
  const worker = await startOrchestratorProcess({ temporal: cluster.temporal.address, nats: cluster.nats.url, taskQueue: busyQueue, maxTrials: 1 });
  const other = await SweepClient.connect({ temporal: cluster.temporal.address, nats: cluster.nats.url, taskQueue: busyQueue });
  try {
    const sub = await other.submit({ document: tinySpec('busy', { ...endless, grid: { seed: [0] } }) });
    await waitFor('the sweep running', async () => (await other.status(sub.sweepId)).progress?.inFlight === 1, 120_000);
    // A stopped process stands for a worker too loaded to answer: it still counts as a poller.
    process.kill(worker.pid, 'SIGSTOP');
    try {
      const s = await client.status(sub.sweepId, { queryTimeoutMs: 1000 });
      assert.match(statusLine(s), /the worker on task queue it-busy is busy: it did not answer within 1 s/);
    } finally {
      process.kill(worker.pid, 'SIGCONT');
    }
    await other.temporal.workflow.getHandle(sub.sweepId).terminate('test cleanup');
  } finally {
    await other.close();
    await worker.kill();
  }
});

test('invalid input exits with 2 naming the problem', { timeout: 120_000 }, async () => {
  const file = specFile('ok', tinySpec('ok'));
  const cron = await sweep(['schedule', 'create', 'bad-cron', '--cron', '61 2 * * *', file]);
  assert.equal(cron.code, 2, cron.stderr);
  assert.match(cron.stderr.trim(), /^sweep: --cron: [^\n]+$/);
  const badId = await sweep(['status', 'bad id!']);
  assert.equal(badId.code, 2, badId.stderr);
  assert.match(badId.stderr.trim(), /^sweep: sweep id "bad id!": [^\n]+$/);
  for (const cmd of [['cancel', 'bad id!'], ['watch', 'bad id!'], ['report', 'bad id!', '--out', join(dir, 'x')]]) {
    const r = await sweep(cmd);
    assert.equal(r.code, 2, `${cmd.join(' ')}: ${r.stderr}`);
  }
  const badName = await sweep(['schedule', 'trigger', 'no spaces']);
  assert.equal(badName.code, 2, badName.stderr);
  const badLimit = await sweep(['list', '--limit', '0']);
  assert.equal(badLimit.code, 2, badLimit.stderr);
});
