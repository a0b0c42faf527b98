// Determinism of the workflow code: histories recorded from real runs (committed under
// test/fixtures/histories/) replay without a determinism error against the current workflow
// bundle, and so do histories recorded now from the scenarios that exercise every path
// (continue-as-new, pause/resume, trial retries, diverged and failed trials, cancellation).
// SWEEP_RECORD_HISTORIES=1 writes this run's histories into the committed fixtures; fixtures of
// paths no longer taken (pack child workflows, recorded before 'pack-activities') stay, since
// those histories must keep replaying.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protos from '@temporalio/proto';
import type { HistoryAndWorkflowId } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { resolveSpec } from '../../core/config/spec.js';
import type { ExecutorContext, TrialExecutor, TrialLaunch } from '../../activities/executor.js';
import { LocalProcessExecutor } from '../../activities/local-executor.js';
import { SweepClient } from '../../client/sweep-client.js';
import { childWorkflowId } from '../../workflows/types.js';
import { installRuntime } from '../../workers/orchestrator.js';
import { workflowBundlePath } from '../servers/workflow-bundle.js';
import { startCluster, type Cluster } from './cluster-fixture.js';
import { tinySpec, waitFor } from './cluster-helpers.js';

// Histories are stored as protobufjs plain objects (int64 as strings, bytes as base64). The SDK's
// historyToJSON cannot be used here: this install holds several copies of protobufjs, and its
// JSON codec rejects messages made by another copy ("type must be a Type").
const History = protos.temporal.api.history.v1.History;
const toPlain = (h: unknown) => History.toObject(History.fromObject(h as Record<string, unknown>), { longs: String, enums: String, bytes: String });
const fromPlain = (o: unknown) => History.fromObject(o as Record<string, unknown>);

// Fixtures live in the source tree (test/fixtures/histories), next to the compiled test's source.
const fixtures = fileURLToPath(new URL('../../../test/fixtures/histories/', import.meta.url));

interface Recorded {
  name: string;
  workflowId: string;
  history: unknown;
}

async function replay(items: Recorded[]): Promise<Map<string, string | undefined>> {
  const histories: HistoryAndWorkflowId[] = items.map((r) => ({ workflowId: r.workflowId, history: fromPlain(r.history) }));
  const out = new Map<string, string | undefined>();
  const results = Worker.runReplayHistories({ workflowBundle: { codePath: await workflowBundlePath() } }, histories);
  let i = 0;
  for await (const r of results) {
    out.set(`${items[i].name} (${r.workflowId})`, r.error ? `${r.error.name}: ${r.error.message}` : undefined);
    i++;
  }
  return out;
}

before(() => installRuntime('ERROR'));

test('committed histories from real runs replay deterministically', { timeout: 300_000 }, async () => {
  const files = readdirSync(fixtures).filter((f) => f.endsWith('.json')).sort();
  assert.ok(files.length >= 6, `fixtures present (${files.length})`);
  const items = files.map((f) => ({ name: f, ...(JSON.parse(readFileSync(join(fixtures, f), 'utf8')) as Omit<Recorded, 'name'>) }));
  const results = await replay(items);
  assert.equal(results.size, items.length);
  for (const [name, err] of results) assert.equal(err, undefined, `${name} replays`);
});

let cluster: Cluster;
let client: SweepClient;

/** Real trainer processes; the first attempt of chosen trials is SIGKILLed when it starts. */
class KillFirstAttempt implements TrialExecutor {
  readonly name = 'local';
  private readonly inner: LocalProcessExecutor;
  constructor(victims: Set<string>) {
    this.inner = new LocalProcessExecutor({
      onSpawn: (pid, launch) => { if (launch.attempt === 1 && victims.has(launch.trialId)) process.kill(pid, 'SIGKILL'); },
    });
  }
  run(launch: TrialLaunch, ctx: ExecutorContext) {
    return this.inner.run(launch, ctx);
  }
  close() {
    return this.inner.close();
  }
}

const victims = new Set<string>();

test('histories recorded now from every workflow path replay deterministically', { timeout: 900_000 }, async (t) => {
  cluster = await startCluster({ taskQueue: 'it-replay', orchestrator: { executors: new Map([['local', new KillFirstAttempt(victims)]]) } });
  ({ client } = cluster);
  const fast = { heartbeatTimeoutMs: 10_000, retryInitialIntervalMs: 200 };
  const recorded: Recorded[] = [];
  const record = async (name: string, workflowId: string, runId?: string) => {
    const history = await client.temporal.workflow.getHandle(workflowId, runId).fetchHistory();
    recorded.push({ name, workflowId, history: toPlain(history) });
  };

  // 1. Continue-as-new every 2 trials, a pause and a resume, a retried trial, a diverged trial.
  // (trials alone: packs have their own scenario, 4)
  const spec = tinySpec('replay-chain', { grid: { 'optimizer.lr': [0.1, 1e5], seed: [0, 1, 2] }, execution: { parallelism: 2, maxAttempts: 3, pack: 'off' } });
  const plans = resolveSpec(spec).plans;
  victims.add(plans[0].id);
  const chain = await client.submit({ document: spec }, { options: { ...fast, maxTrialsPerRun: 2 } });
  await client.pause(chain.sweepId);
  await new Promise((r) => setTimeout(r, 1500));
  await client.resume(chain.sweepId);
  const res = await client.wait(chain.sweepId);
  assert.equal(res.finished, 6);
  assert.ok(res.runs >= 3, `continued as new (${res.runs} runs)`);
  const runs = await client.runs(chain.sweepId);
  for (const [i, r] of runs.entries()) await record(`chain-run-${i}`, chain.sweepId, r.runId);
  await record('trial-retried', childWorkflowId(chain.sweepId, plans[0].id));
  const diverged = plans.find((p) => (p.config.optimizer as { lr: number }).lr === 1e5)!;
  await record('trial-diverged', childWorkflowId(chain.sweepId, diverged.id));

  // 2. Trials failing without retry (an executor this worker does not offer).
  const nope = await client.submit({ document: tinySpec('replay-nope', { grid: { seed: [0] }, execution: { executor: 'kubernetes' } }) }, { options: fast });
  await client.wait(nope.sweepId);
  await record('sweep-failed-trials', nope.sweepId);
  await record('trial-failed', childWorkflowId(nope.sweepId, resolveSpec(tinySpec('replay-nope', { grid: { seed: [0] } })).plans[0].id));

  // 3. A cancelled sweep with running trials.
  const longSpec = tinySpec('replay-cancel', { train: { steps: 1_000_000, batchSize: 16, evalEvery: 1000, logEvalPoints: 0 }, grid: { seed: [0, 1, 2] }, execution: { parallelism: 2, pack: 'off' } });
  const long = await client.submit({ document: longSpec }, { options: fast });
  await waitFor('trials running', async () => (await client.status(long.sweepId)).progress?.inFlight === 2, 120_000);
  await client.cancel(long.sweepId, { wait: true });
  assert.equal((await client.status(long.sweepId)).status, 'CANCELLED');
  await record('sweep-cancelled', long.sweepId);
  await record('trial-cancelled', childWorkflowId(long.sweepId, resolveSpec(longSpec).plans[0].id));

  // 4. Packs, as activities of the sweep: continue-as-new after the packs in flight drained, a
  // pack whose first attempt is killed (only its unfinished members rerun), a diverged member;
  // then a cancelled sweep of running packs. (Pack child workflows: the committed pack-*.json.)
  const packSpec = tinySpec('replay-packs', { grid: { 'optimizer.lr': [0.1, 1e5], seed: [0, 1, 2, 3] }, execution: { parallelism: 4, maxAttempts: 3 } });
  const packPlans = resolveSpec(packSpec).plans;
  victims.add(packPlans[0].id); // the first pack's lead: its first attempt is killed
  const packed = await client.submit({ document: packSpec }, { options: { ...fast, maxTrialsPerRun: 4 } });
  const packRes = await client.wait(packed.sweepId);
  assert.equal(packRes.finished, 8);
  assert.ok(packRes.runs >= 2, `continued as new (${packRes.runs} runs)`);
  let packActivities = 0;
  for (const [i, r] of (await client.runs(packed.sweepId)).entries()) {
    await record(`pack-activities-run-${i}`, packed.sweepId, r.runId);
    packActivities += runTrialPacksIn(recorded[recorded.length - 1].history);
  }
  assert.ok(packActivities >= 4, `packs ran as the sweep's activities (${packActivities} runTrialPack, a retry included)`);
  assert.deepEqual(await workflowIdsUnder(`${packed.sweepId}/pack/`), [], 'no pack child workflows');
  const packLong = tinySpec('replay-pack-cancel', { train: { steps: 1_000_000, batchSize: 16, evalEvery: 1000, logEvalPoints: 0 }, grid: { seed: [0, 1, 2] }, execution: { parallelism: 2 } });
  const packCancel = await client.submit({ document: packLong }, { options: fast });
  await waitFor('a pack running', async () => (await client.status(packCancel.sweepId)).progress?.inFlight === 2, 120_000);
  await client.cancel(packCancel.sweepId, { wait: true });
  await record('sweep-pack-activities-cancelled', packCancel.sweepId);
  assert.ok(runTrialPacksIn(recorded[recorded.length - 1].history) >= 1, 'the cancelled pack ran as the sweep\'s activity');
  assert.deepEqual(await workflowIdsUnder(`${packCancel.sweepId}/pack/`), [], 'no pack child workflows');

  const results = await replay(recorded);
  assert.equal(results.size, recorded.length);
  for (const [name, err] of results) assert.equal(err, undefined, `${name} replays`);

  if (process.env.SWEEP_RECORD_HISTORIES === '1') {
    mkdirSync(fixtures, { recursive: true });
    for (const r of recorded) writeFileSync(join(fixtures, `${r.name}.json`), `${JSON.stringify({ workflowId: r.workflowId, history: r.history })}\n`);
    t.diagnostic(`wrote ${recorded.length} histories to ${fixtures}`);
  }
});

after(async () => {
  await cluster?.stop();
});

/** how many runTrialPack activities a recorded (plain) history schedules */
function runTrialPacksIn(history: unknown): number {
  const events = (history as { events?: { activityTaskScheduledEventAttributes?: { activityType?: { name?: string } } }[] }).events ?? [];
  return events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runTrialPack').length;
}

/** ids of the workflows whose id starts with `prefix` (a sweep's packs) */
async function workflowIdsUnder(prefix: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of client.temporal.workflow.list()) if (w.workflowId.startsWith(prefix)) ids.push(w.workflowId);
  return [...new Set(ids)].sort();
}
