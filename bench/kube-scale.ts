// Benchmark: the Kubernetes executor with 500 concurrent trials on a real control plane
// (etcd, kube-apiserver, controller manager, scheduler), the test node agent simulating the
// pods (no processes: each container "runs" for a fixed time and exits 0).
// Reports, per trial: Kubernetes API calls made by the executor (by operation), and the time
// from the start of the trial's activity (executor.run) to its pod Running — both as ratios to
// a reference measured in the same run on the same cluster: one trial launched alone.
//
//   npm run bench:kube            (or: node dist/bench/kube-scale.js [--trials N] [--run-ms MS])
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { kubernetesExecutionSchema } from '../core/config/execution.js';
import { trialConfigSchema } from '../core/config/trial.js';
import { trialId } from '../core/ids.js';
import type { TrialLaunch } from '../activities/executor.js';
import { KubernetesExecutor } from '../activities/kubernetes/executor.js';
import { startKubeTestCluster } from '../test/servers/kube/cluster.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const TRIALS = arg('--trials', 500);
const RUN_MS = arg('--run-ms', 30_000);
const NS = 'bench';

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

function launches(sweepId: string, n: number, offset: number): TrialLaunch[] {
  return Array.from({ length: n }, (_, i) => {
    const config = trialConfigSchema.parse({ seed: offset + i, task: { kind: 'teacher-mlp' }, optimizer: { kind: 'sgd', lr: 0.1 } });
    return {
      sweepId, trialId: trialId(config), attempt: 1, config, nats: { servers: ['nats://127.0.0.1:4222'] },
      kubernetes: kubernetesExecutionSchema.parse({ namespace: NS, gpus: 1, cpu: '100m', memory: '256Mi' }),
    };
  });
}

interface Measured {
  toRunningMs: number[];
  /** ms from activity start until the trial first reported each phase/reason (stages of the way to Running) */
  stages: Record<string, number[]>;
  callsPerTrial: number;
  calls: Record<string, number>;
  wallMs: number;
  failures: number;
}

/** Heartbeat phase/reason → the stage it shows was reached. */
const STAGE: Record<string, string> = {
  'Pending/NoPodYet': 'jobSeen', 'Pending/Scheduling': 'podCreated', 'Pending/ContainerCreating': 'podScheduled', Running: 'running',
};

/** Launches `ls` concurrently on a fresh executor (a fresh worker: its own watch and counters). */
async function measure(ex: KubernetesExecutor, ls: TrialLaunch[]): Promise<Measured> {
  const t0 = performance.now();
  const toRunning: number[] = [];
  const stages: Record<string, number[]> = {};
  const phases = new Map<string, string>();
  let done = 0;
  const loop = monitorEventLoopDelay({ resolution: 20 });
  loop.enable();
  const progress = setInterval(() => {
    const counts: Record<string, number> = {};
    for (const p of phases.values()) counts[p] = (counts[p] ?? 0) + 1;
    console.error(`kube-scale: ${Math.round((performance.now() - t0) / 1000)}s ${JSON.stringify(counts)} done ${done}, ${ex.api.totalCalls} API calls, ${ex.api.limiter.waiting} waiting for the rate limit, event loop delay p99 ${Math.round(loop.percentile(99) / 1e6)} ms`);
    loop.reset();
  }, 10_000);
  const outcomes = await Promise.all(ls.map((l) => {
    const start = performance.now();
    let seen = false;
    const reached = new Set<string>();
    return ex.run(l, {
      signal: new AbortController().signal,
      heartbeat: (b) => {
        const key = b.phase + (b.reason ? `/${b.reason}` : '');
        phases.set(l.trialId, key);
        const stage = STAGE[key];
        if (stage && !reached.has(stage)) { reached.add(stage); (stages[stage] ??= []).push(performance.now() - start); }
        if (b.phase === 'Running' && !seen) { seen = true; toRunning.push(performance.now() - start); }
      },
    }).finally(() => { done++; });
  }));
  clearInterval(progress);
  loop.disable();
  const calls = Object.fromEntries([...ex.api.calls.entries()].sort());
  return {
    toRunningMs: toRunning, stages, calls, wallMs: performance.now() - t0,
    callsPerTrial: ex.api.totalCalls / ls.length,
    failures: outcomes.filter((o) => o.failure || o.exitCode !== 0).length,
  };
}

const nodes = Array.from({ length: Math.max(1, Math.ceil(TRIALS / 200)) }, (_, i) => ({ name: `sim-gpu-${i}`, gpus: 256, pods: 256, cpu: '256', memory: '2Ti' }));
const cluster = await startKubeTestCluster({ nodes, agent: { simulate: { runMs: RUN_MS } } });
try {
  await cluster.createNamespace(NS);
  // reference: one trial alone, on its own worker (its watch starts cold, like the first trial of a worker)
  const single = new KubernetesExecutor({ kubeConfig: cluster.kc, defaults: { namespace: NS } });
  const refRun = await measure(single, launches('bench-ref', 1, 1_000_000));
  await single.close();
  const ex = new KubernetesExecutor({ kubeConfig: cluster.kc, defaults: { namespace: NS } });
  const big = await measure(ex, launches('bench-500', TRIALS, 0));
  await ex.close();
  const ref = refRun.toRunningMs[0];
  const result = {
    bench: 'kube-scale',
    trials: TRIALS,
    simulatedRunMs: RUN_MS,
    nodes: nodes.length,
    failures: big.failures + refRun.failures,
    apiCallsPerTrial: { concurrent: +big.callsPerTrial.toFixed(3), single: refRun.callsPerTrial, ratio: +(big.callsPerTrial / refRun.callsPerTrial).toFixed(3) },
    apiCalls: big.calls,
    toRunningMs: {
      single: Math.round(ref),
      p50: Math.round(quantile(big.toRunningMs, 0.5)),
      p95: Math.round(quantile(big.toRunningMs, 0.95)),
      max: Math.round(Math.max(...big.toRunningMs)),
      ratioP50: +(quantile(big.toRunningMs, 0.5) / ref).toFixed(2),
      ratioP95: +(quantile(big.toRunningMs, 0.95) / ref).toFixed(2),
      sawRunning: big.toRunningMs.length,
    },
    // median ms from activity start to each stage (a stage can be skipped between two heartbeats)
    stagesP50Ms: Object.fromEntries(['jobSeen', 'podCreated', 'podScheduled', 'running']
      .filter((k) => big.stages[k]?.length).map((k) => [k, Math.round(quantile(big.stages[k], 0.5))])),
    wallMs: Math.round(big.wallMs),
    nodeAgentStatusPatches: cluster.agent.statusPatches,
  };
  console.log(JSON.stringify(result));
  console.error(`kube-scale: ${TRIALS} concurrent trials: ${result.apiCallsPerTrial.concurrent} API calls/trial `
    + `(${result.apiCallsPerTrial.ratio}× a lone trial's ${result.apiCallsPerTrial.single}); activity start → pod Running `
    + `p50 ${result.toRunningMs.p50} ms, p95 ${result.toRunningMs.p95} ms (${result.toRunningMs.ratioP50}× / ${result.toRunningMs.ratioP95}× a lone trial's ${result.toRunningMs.single} ms)`);
  if (result.failures) process.exitCode = 1;
} finally {
  await cluster.stop();
}
