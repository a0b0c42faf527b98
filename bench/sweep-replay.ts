// Benchmark: how long a worker takes to replay one run of the sweep workflow (what a restarted
// worker does in a single workflow task, which must end within the workflow-task timeout), for
// runs of DEFAULT_MAX_TRIALS_PER_RUN trials against the former 500, measured in the same run on
// the same servers, idle and with every core kept busy by spinning processes (a loaded host).
// Reports events per run, replay time, and each as a ratio: replay / WORKFLOW_TASK_TIMEOUT_MS.
//
//   npm run bench:sweep-replay    (or: node dist/bench/sweep-replay.js [--extra N])
// Each sweep has one full run of its trials-per-run and N trials more (default 20).
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { Worker } from '@temporalio/worker';
import { DEFAULT_MAX_TRIALS_PER_RUN, WORKFLOW_TASK_TIMEOUT_MS } from '../workflows/types.js';
import { startCluster } from '../test/integration/cluster-fixture.js';
import { tinySpec } from '../test/integration/cluster-helpers.js';
import { workflowBundlePath } from '../test/servers/workflow-bundle.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const EXTRA = arg('--extra', 20);
const REPEAT = 3;

const cluster = await startCluster({ taskQueue: 'bench-replay', orchestrator: { maxTrials: 10, localMode: 'in-process' } });
const spinners: ChildProcess[] = [];
try {
  const bundle = { codePath: await workflowBundlePath() };
  const rows: Array<{ perRun: number; events: number; idleMs: number; loadedMs: number }> = [];
  for (const perRun of [DEFAULT_MAX_TRIALS_PER_RUN, 500]) {
    const trials = perRun + EXTRA;
    const spec = tinySpec(`replay-${perRun}`, {
      train: { steps: 1, batchSize: 16, evalEvery: 1, logEvalPoints: 0 },
      measure: { gradNorm: false, weightMovement: false },
      grid: { seed: { linspace: [0, trials - 1, trials] } },
      execution: { parallelism: 20 },
    });
    const sub = await cluster.client.submit({ document: spec }, { options: { maxTrialsPerRun: perRun } });
    await cluster.client.wait(sub.sweepId);
    // the longest full run (not the last, which holds the analysis and fewer trials)
    const runs = (await cluster.client.runs(sub.sweepId)).filter((r) => r.status === 'CONTINUED_AS_NEW');
    const longest = runs.reduce((a, b) => (b.historyLength > a.historyLength ? b : a));
    const history = await cluster.client.temporal.workflow.getHandle(sub.sweepId, longest.runId).fetchHistory();
    const replay = async () => {
      let best = Infinity;
      for (let i = 0; i < REPEAT; i++) {
        const t0 = performance.now();
        await Worker.runReplayHistory({ workflowBundle: bundle }, history, sub.sweepId);
        best = Math.min(best, performance.now() - t0);
      }
      return best;
    };
    const idleMs = await replay();
    for (let i = 0; i < availableParallelism(); i++) spinners.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
    const loadedMs = await replay();
    for (const s of spinners.splice(0)) s.kill('SIGKILL');
    rows.push({ perRun, events: longest.historyLength, idleMs, loadedMs });
  }
  console.log(`sweep workflow replay, trivial trials, workflow-task timeout ${WORKFLOW_TASK_TIMEOUT_MS / 1000} s (best of ${REPEAT})`);
  for (const r of rows) {
    console.log(`  ${r.perRun} trials/run: ${r.events} events/run, replay ${r.idleMs.toFixed(0)} ms idle (${(r.idleMs / WORKFLOW_TASK_TIMEOUT_MS).toFixed(3)} of the timeout),` +
      ` ${r.loadedMs.toFixed(0)} ms loaded (${(r.loadedMs / WORKFLOW_TASK_TIMEOUT_MS).toFixed(3)})`);
  }
  const [now, before] = rows;
  console.log(`  ratio ${now.perRun}/run to 500/run: events ${(now.events / before.events).toFixed(2)}, loaded replay ${(now.loadedMs / before.loadedMs).toFixed(2)}`);
} finally {
  for (const s of spinners) s.kill('SIGKILL');
  await cluster.stop();
}
