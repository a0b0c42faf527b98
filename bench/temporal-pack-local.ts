// Benchmark: cluster-mode throughput of small trials on the local process executor, with
// trial packing off (one trainer process per trial: each loads tfjs and the wasm module
// before its first step) and on (execution.pack auto: one trainer process per pack), as a
// ratio measured in the same run on the same Temporal dev server and nats-server.
// Trials are 1 step of a width-4 MLP, so the figures measure process start-up and dispatch.
//
//   npm run bench:temporal-pack     (or: node dist/bench/temporal-pack-local.js [--trials N] [--parallelism P])
import { cpus } from 'node:os';
import { SweepClient } from '../client/sweep-client.js';
import { LocalProcessExecutor } from '../activities/local-executor.js';
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
const N = arg('--trials', 200);
const P = arg('--parallelism', 50);

const spec = (name: string, n: number, pack: 'off' | 'auto') => tinySpec(name, {
  train: { steps: 1, batchSize: 16, evalEvery: 1, logEvalPoints: 0 },
  measure: { gradNorm: false, weightMovement: false },
  grid: { seed: { linspace: [0, n - 1, n] } },
  execution: { parallelism: P, pack },
});

async function main(): Promise<void> {
  installRuntime('ERROR');
  const [nats, temporal] = await Promise.all([startNats(), startTemporal()]);
  try {
    let spawned = 0;
    let alive = 0;
    let peak = 0;
    const local = new LocalProcessExecutor({
      onSpawn: () => {
        spawned++;
        peak = Math.max(peak, ++alive);
      },
    });
    // count processes alive: wrap run so an exit lowers the count
    const executor = {
      name: 'local',
      async run(...a: Parameters<LocalProcessExecutor['run']>) {
        try {
          return await local.run(...a);
        } finally {
          alive--;
        }
      },
      close: () => local.close(),
    };
    const orch = await startOrchestrator({
      temporal: temporal.address, nats: nats.url, taskQueue: 'bench-pack', maxTrials: P,
      executors: new Map([['local', executor]]), workflowBundlePath: await workflowBundlePath(),
    });
    const client = await SweepClient.connect({ temporal: temporal.address, nats: nats.url, taskQueue: 'bench-pack' });

    // Trials/s from submission until the last trial finished (the final analysis is not counted).
    const sweepRate = async (n: number, name: string, pack: 'off' | 'auto') => {
      spawned = 0;
      peak = 0;
      const t0 = performance.now();
      const sub = await client.submit({ document: spec(name, n, pack) }, { yes: true });
      let trialsDone = 0;
      const watching = client.watch(sub.sweepId, (st) => {
        if (!trialsDone && st.progress && st.progress.finished >= n) trialsDone = performance.now();
      }, { intervalMs: 250 });
      const res = await client.wait(sub.sweepId);
      const end = performance.now();
      await watching;
      if (res.finished !== n || res.counts.succeeded !== n) throw new Error(`sweep ${name}: ${JSON.stringify(res.counts)} of ${n}`);
      return { rate: n / (((trialsDone || end) - t0) / 1000), processes: spawned, peak };
    };

    // Warm-up: module loading, JIT, stream creation, the workflow bundle.
    await sweepRate(10, 'warmup', 'off');
    const off = await sweepRate(N, 'pack-off', 'off');
    const auto = await sweepRate(N, 'pack-auto', 'auto');
    console.log(`trials: ${N} of 1 step (width-4 MLP), parallelism ${P}, local process executor, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'})`);
    console.log(`pack off:  ${off.rate.toFixed(2)} trials/s, ${off.processes} trainer processes (at most ${off.peak} alive at once)`);
    console.log(`pack auto: ${auto.rate.toFixed(2)} trials/s, ${auto.processes} trainer processes (at most ${auto.peak} alive at once)`);
    console.log(`ratio pack auto / pack off: ${(auto.rate / off.rate).toFixed(2)}`);

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
