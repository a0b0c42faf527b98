// Benchmark: trials dispatched per second through Temporal (the sweep workflow: paged plans,
// one child workflow per trial, trainer messages published to and read back from JetStream),
// packed (pack auto: a runTrialPack activity of the sweep per pack) and unpacked (pack off), as a ratio to bare
// activities on the same server in the same run. Trivial trials (1 step,
// width 4) run inside the worker, so the numbers measure orchestration, not training.
//   reference A: bare activities that run the same trivial trial (same work, no orchestration)
//   reference B: bare no-op activities (Temporal's own dispatch rate here)
//   reference C: a child workflow per trial running the same trial as its one activity (what the
//                child workflow itself costs, without the sweep's planning, scheduler and readback)
//
//   npm run bench:temporal-dispatch     (or: node dist/bench/temporal-dispatch.js [--trials N] [--parallelism P]
//                                        [--tuning JSON] [--dynamic-config JSON])
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { resolveSpec } from '../core/config/spec.js';
import { connectNats } from '../store/connect.js';
import { ensureStreams } from '../store/streams.js';
import { InProcessExecutor } from '../activities/inprocess-executor.js';
import { SweepClient } from '../client/sweep-client.js';
import { installRuntime, startOrchestrator } from '../workers/orchestrator.js';
import { startNats } from '../test/servers/nats.js';
import { startTemporal } from '../test/servers/temporal.js';
import { killAllChildren } from '../test/servers/children.js';
import { workflowBundlePath } from '../test/servers/workflow-bundle.js';
import { tinySpec } from '../test/integration/cluster-helpers.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('--trials', 300);
const P = arg('--parallelism', 40);
const json = (name: string): Record<string, unknown> | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? JSON.parse(process.argv[i + 1]) as Record<string, unknown> : undefined;
};
/** orchestrator worker options over the SDK defaults (workers/worker-tuning.ts), e.g. '{"nonStickyToStickyPollRatio":1}' */
const tuning = json('--tuning');
/** server dynamic config, e.g. '{"system.enableActivityEagerExecution":true}' */
const dynamicConfig = json('--dynamic-config');

// the trials differ only in seed, so `pack: auto` trains them in packs (an activity of the
// sweep per pack); `off` is a child workflow per trial
const spec = (name: string, n: number, pack: 'auto' | 'off' = 'auto') => tinySpec(name, {
  train: { steps: 1, batchSize: 16, evalEvery: 1, logEvalPoints: 0 },
  measure: { gradNorm: false, weightMovement: false },
  grid: { seed: { linspace: [0, n - 1, n] } },
  execution: { parallelism: P, pack },
});

async function main(): Promise<void> {
  installRuntime('ERROR');
  const [nats, temporal] = await Promise.all([startNats(), startTemporal(dynamicConfig ? { dynamicConfig } : {})]);
  const cpu0 = process.cpuUsage();
  try {
    const orch = await startOrchestrator({
      temporal: temporal.address, nats: nats.url, taskQueue: 'bench-sweep', maxTrials: P, localMode: 'in-process',
      workflowBundlePath: await workflowBundlePath(), ...(tuning ? { tuning } : {}),
    });
    const client = await SweepClient.connect({ temporal: temporal.address, nats: nats.url, taskQueue: 'bench-sweep' });

    // The reference worker: bare activities, with the same trivial trial or nothing at all.
    const nc = await connectNats({ servers: [nats.url] });
    await ensureStreams(nc);
    const executor = new InProcessExecutor(nc);
    const plans = resolveSpec(spec('bare', N), { yes: true }).plans;
    const bundle = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('./temporal-dispatch-workflows.js', import.meta.url)),
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: (m: string) => console.error(m) },
    });
    let mode: 'trial' | 'noop' = 'trial';
    const refWorker = await Worker.create({
      connection: await NativeConnection.connect({ address: temporal.address }),
      taskQueue: 'bench-bare', workflowBundle: bundle, maxConcurrentActivityTaskExecutions: P,
      activities: {
        async bareTrial(i: number): Promise<number> {
          if (mode === 'noop') return i;
          const p = plans[i % plans.length];
          const out = await executor.run({ sweepId: `bare-${mode}`, trialId: p.id, attempt: 1, config: p.config, nats: { servers: [nats.url] } }, {
            heartbeat: () => undefined, signal: new AbortController().signal,
          });
          if (out.exitCode !== 0) throw new Error('trial failed');
          return i;
        },
      },
    });
    const refRun = refWorker.run();
    const connection = await Connection.connect({ address: temporal.address });
    const tc = new Client({ connection });

    // Trials/s from submission until the last trial finished (the progress query says when);
    // the final analysis activity is timed separately.
    const sweepRate = async (n: number, name: string, pack: 'auto' | 'off' = 'auto') => {
      const t0 = performance.now();
      const sub = await client.submit({ document: spec(name, n, pack) }, { yes: true });
      let trialsDone = 0;
      const watching = client.watch(sub.sweepId, (st) => {
        if (!trialsDone && st.progress && st.progress.finished >= n) trialsDone = performance.now();
      }, { intervalMs: 250 });
      const res = await client.wait(sub.sweepId);
      const end = performance.now();
      await watching;
      if (res.finished !== n) throw new Error(`sweep finished ${res.finished} of ${n}`);
      const tTrials = (trialsDone || end) - t0;
      return { rate: n / (tTrials / 1000), runs: res.runs, analysisS: (end - (trialsDone || end)) / 1000, totalRate: n / ((end - t0) / 1000) };
    };
    const bareRate = async (n: number, m: 'trial' | 'noop', workflow = 'bareActivitiesWorkflow') => {
      mode = m;
      const t0 = performance.now();
      await tc.workflow.execute(workflow, { taskQueue: 'bench-bare', workflowId: `${workflow}-${m}-${Date.now()}`, args: [n, P] });
      return n / ((performance.now() - t0) / 1000);
    };

    // Warm-up: module loading, JIT, backend start-up, stream creation.
    await sweepRate(20, 'warmup');
    await bareRate(20, 'trial');

    const sweep = await sweepRate(N, 'dispatch');
    const unpacked = await sweepRate(N, 'dispatch-unpacked', 'off');
    const bareTrial = await bareRate(N, 'trial');
    const bareNoop = await bareRate(N, 'noop');
    // the same trial as an activity of a child workflow per trial (no planning, no readback)
    const childTrial = await bareRate(N, 'trial', 'childTrialsWorkflow');
    const cpu = process.cpuUsage(cpu0);
    console.log(`trials: ${N}, parallelism ${P}, trivial trial = 1 step of a width-4 MLP in the worker`);
    console.log(`sweep workflow, pack auto (an activity per pack, readback):        ${sweep.rate.toFixed(1)} trials/s (${sweep.runs} workflow runs)`);
    console.log(`sweep workflow, pack off (child workflow per trial, readback):     ${unpacked.rate.toFixed(1)} trials/s (${unpacked.runs} workflow runs)`);
    console.log(`  with planning and the final analysis (${sweep.analysisS.toFixed(1)} s):            ${sweep.totalRate.toFixed(1)} trials/s`);
    console.log(`bare activities running the same trial:                           ${bareTrial.toFixed(1)} trials/s`);
    console.log(`bare no-op activities:                                            ${bareNoop.toFixed(1)} activities/s`);
    console.log(`one child workflow per trial running the same trial as an activity: ${childTrial.toFixed(1)} trials/s`);
    console.log(`ratio sweep / bare same-trial activities: ${(sweep.rate / bareTrial).toFixed(3)} (pack auto), ${(unpacked.rate / bareTrial).toFixed(3)} (pack off)`);
    console.log(`ratio sweep / bare no-op activities:      ${(sweep.rate / bareNoop).toFixed(3)}`);
    console.log(`ratio child workflow per trial / bare same-trial activities: ${(childTrial / bareTrial).toFixed(3)}`);
    console.log(`ratio sweep (pack off) / child workflow per trial: ${(unpacked.rate / childTrial).toFixed(3)}`);
    console.log(`bench process CPU: ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`);

    refWorker.shutdown();
    await refRun;
    await connection.close();
    await nc.close();
    await client.close();
    await orch.shutdown();
  } finally {
    await temporal.stop();
    await nats.stop();
    await killAllChildren();
  }
}

main().then(() => process.exit(0), (err) => {
  console.error(`bench: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
