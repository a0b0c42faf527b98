// Benchmark: a 10,000-trial sweep through Temporal on the real dev server and NATS JetStream
// on loopback, with the orchestrator worker as its own process running trivial trials (1 step
// of a width-4 MLP) in-process. Two sweeps:
//   clean: runs to the end; worker RSS sampled every second (start, peak, end, slope over the
//          second half), and its V8 heap and external memory from the worker's own /metrics
//          every 5 s (to tell a leak in the program from the allocator keeping freed pages),
//          history events per workflow run and the number of runs, trials/s;
//   kill:  the worker is killed with SIGKILL once ~half the trials have finished, then started
//          again; the sweep must still complete.
// After each, every trial must have exactly one terminal event in SWEEP_EVENTS (counted over
// the raw stored messages, before any de-duplication): as many distinct trial ids as planned,
// none twice, none missing, none unplanned. The dispatch ratio compares the clean sweep's
// trials/s with bare activities running the same trial from one workflow (the reference of
// bench/temporal-dispatch.ts), measured just before and just after it in the same run.
//
//   npm run bench:temporal-10k    (or: node dist/bench/temporal-10k.js [--trials 10000]
//     [--parallelism 40] [--bare 3000] [--kill-at N (0: no kill sweep)] [--no-eager] [--only-kill]
//     [--worker-node-options "--max-old-space-size=1024" (the default, as the chart; "" for none)])
// Memory: the worker's RSS and V8 heap as the lowest value per 30 s window (a heap between
// collections is a sawtooth), over the run and again from the moment the aggregator's bounded
// cache of recent summaries is full: growth left after that is what a leak would be.
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { resolveSpec } from '../core/config/spec.js';
import { connectNats } from '../store/connect.js';
import { ensureStreams } from '../store/streams.js';
import { readAll } from '../store/reader.js';
import { decodeBusMessage } from '../core/message-schema.js';
import { EVENTS_STREAM, eventsSubject, type TrialEvent } from '../core/messages.js';
import { InProcessExecutor } from '../activities/inprocess-executor.js';
import { SweepClient } from '../client/sweep-client.js';
import { installRuntime } from '../workers/orchestrator.js';
import { startNats } from '../test/servers/nats.js';
import { startTemporal } from '../test/servers/temporal.js';
import { killAllChildren, type Child } from '../test/servers/children.js';
import { startOrchestratorProcess } from '../test/servers/orchestrator.js';
import { tinySpec } from '../test/integration/cluster-helpers.js';
import { cpuSeconds, rssMb, slope } from './proc-sample.js';
import { freePort } from '../test/servers/free-port.js';
import { PREFIX } from '../workers/telemetry/names.js';
import { KNOWN_SUMMARIES } from '../workers/aggregator.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('--trials', 10_000);
const P = arg('--parallelism', 40);
const BARE = arg('--bare', Math.min(N, 3000));
const KILL_AT = arg('--kill-at', Math.round(N / 2));
const EAGER = !process.argv.includes('--no-eager');
/** only the kill sweep (no bare reference, no clean sweep): to run it on its own */
const ONLY_KILL = process.argv.includes('--only-kill');
const TASK_QUEUE = 'bench-10k';
const TERMINAL = new Set(['finished', 'diverged', 'failed', 'cancelled']);

const spec = (name: string, n: number) => tinySpec(name, {
  train: { steps: 1, batchSize: 16, evalEvery: 1, logEvalPoints: 0 },
  measure: { gradNorm: false, weightMovement: false },
  grid: { seed: { linspace: [0, n - 1, n] } },
  execution: { parallelism: P },
});

interface Sample { t: number; pid: number; rss: number }
/** MB of the V8 heap in use and of memory held by JS objects outside it (buffers), as scraped */
interface HeapSample { t: number; heapMb: number; externalMb: number; committedMb: number }
const HEAP_EVERY_MS = 2000;
/**
 * Node options of the worker process: by default the heap bound the chart gives the orchestrator
 * (orchestrator.heapMb); `--worker-node-options ""` runs it with Node's default heap sizing.
 */
const WORKER_NODE_OPTIONS = (() => {
  const i = process.argv.indexOf('--worker-node-options');
  return i >= 0 ? process.argv[i + 1] : '--max-old-space-size=1024';
})();

/** A gauge's value in a Prometheus text exposition (the first series of that name). */
function gauge(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

/** The orchestrator worker process and the RSS samples of every process it has been. */
class WorkerProcess {
  child!: Child;
  readonly samples: Sample[] = [];
  readonly heap: HeapSample[] = [];
  private cpuBefore = 0;
  private timer: NodeJS.Timeout | undefined;
  private heapTimer: NodeJS.Timeout | undefined;
  private metricsPort = 0;

  constructor(private readonly temporal: string, private readonly nats: string) {}

  async start(): Promise<void> {
    this.metricsPort = await freePort();
    this.child = await startOrchestratorProcess({
      temporal: this.temporal, nats: this.nats, taskQueue: TASK_QUEUE, maxTrials: P, localMode: 'in-process', startTimeoutMs: 120_000,
      env: { SWEEP_METRICS_PORT: String(this.metricsPort), ...(WORKER_NODE_OPTIONS ? { NODE_OPTIONS: WORKER_NODE_OPTIONS } : {}) },
    });
    this.timer ??= setInterval(() => this.sample(), 1000);
    this.heapTimer ??= setInterval(() => void this.sampleHeap(), HEAP_EVERY_MS);
  }

  async sampleHeap(): Promise<void> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.metricsPort}/metrics`, { signal: AbortSignal.timeout(2000) });
      const text = await res.text();
      const heap = gauge(text, `${PREFIX}nodejs_heap_size_used_bytes`);
      const external = gauge(text, `${PREFIX}nodejs_external_memory_bytes`);
      const committed = gauge(text, `${PREFIX}nodejs_heap_size_total_bytes`);
      if (heap !== undefined && external !== undefined && committed !== undefined) {
        this.heap.push({ t: performance.now(), heapMb: heap / 2 ** 20, externalMb: external / 2 ** 20, committedMb: committed / 2 ** 20 });
      }
    } catch {
      // the worker is being killed or restarted: that sample is missing, not zero
    }
  }

  sample(): void {
    const rss = rssMb(this.child.pid);
    if (rss !== undefined) this.samples.push({ t: performance.now(), pid: this.child.pid, rss });
  }

  /** CPU seconds of the current process plus those of processes killed before it */
  cpu(): number {
    return this.cpuBefore + cpuSeconds(this.child.pid);
  }

  async kill9(): Promise<void> {
    this.cpuBefore += cpuSeconds(this.child.pid);
    await this.child.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.heapTimer);
    await this.child.kill('SIGTERM');
  }
}

/** Exactly-once over the raw stored events of a sweep: terminal events per planned trial id. */
async function checkExactlyOnce(nc: Awaited<ReturnType<typeof connectNats>>, sweepId: string, planned: string[]) {
  const stored = await readAll<TrialEvent>(nc, EVENTS_STREAM, eventsSubject(sweepId, '*'), {
    decode: (m) => decodeBusMessage(m.data, m.subject).message as TrialEvent | undefined,
  });
  const terminal = new Map<string, number>();
  let rerun = 0;
  for (const { data: e } of stored) {
    if (!TERMINAL.has(e.event)) continue;
    terminal.set(e.trialId, (terminal.get(e.trialId) ?? 0) + 1);
    if ((e.attempt ?? 1) > 1) rerun++;
  }
  const plannedSet = new Set(planned);
  const missing = planned.filter((id) => !terminal.has(id)).length;
  const duplicated = [...terminal.values()].filter((c) => c > 1).length;
  const unplanned = [...terminal.keys()].filter((id) => !plannedSet.has(id)).length;
  const outcomes: Record<string, number> = {};
  for (const { data: e } of stored) if (TERMINAL.has(e.event)) outcomes[e.event] = (outcomes[e.event] ?? 0) + 1;
  return {
    storedEvents: stored.length, distinct: terminal.size, missing, duplicated, unplanned, rerun, outcomes,
    ok: terminal.size === planned.length && missing === 0 && duplicated === 0 && unplanned === 0,
  };
}

function rssSummary(samples: Sample[], from: number, to: number) {
  const s = samples.filter((x) => x.t >= from && x.t <= to);
  if (s.length === 0) return undefined;
  const mid = (from + to) / 2;
  const second = s.filter((x) => x.t >= mid);
  const perMin = slope(second.map((x) => ({ x: (x.t - from) / 60_000, y: x.rss })));
  const halfMin = (to - mid) / 60_000;
  const peak = Math.max(...s.map((x) => x.rss));
  const drift = perMin * halfMin;
  const low = floors(samples, from, to, (x) => x.rss, 1000);
  return {
    startMb: s[0].rss, peakMb: peak, endMb: s[s.length - 1].rss, slopeMbPerMin: perMin, secondHalfDriftMb: drift,
    floorsMb: low?.floorsMb.map((v) => Math.round(v)), floorDriftMb: low?.driftMb,
    // flat: the fitted change of the per-window floors after warm-up is under 5% of the peak
    // (the raw second-half slope is printed too; over a short run it mostly measures the sawtooth's phase)
    flat: low !== undefined && Number.isFinite(low.driftMb) && Math.abs(low.driftMb) < 0.05 * peak,
  };
}

/** Width of the windows whose lowest sample stands for the live memory of that stretch. */
const WINDOW_MS = 30_000;

/**
 * The lowest value per WINDOW_MS window of samples in [from, to], skipping the first window
 * (start-up growth) and windows less than 60% covered by samples (the run's tail): a heap or RSS
 * between collections is a sawtooth, and its floors show a trend that a fit over raw samples
 * confuses with the phase of the last tooth.
 */
function floors<S extends { t: number }>(samples: S[], from: number, to: number, value: (x: S) => number, everyMs: number) {
  const by = new Map<number, { t: number; v: number; n: number }>();
  for (const x of samples) {
    if (x.t < from || x.t > to) continue;
    const w = Math.floor((x.t - from) / WINDOW_MS);
    const f = by.get(w);
    by.set(w, { t: from + (w + 0.5) * WINDOW_MS, v: Math.min(value(x), f?.v ?? Infinity), n: (f?.n ?? 0) + 1 });
  }
  const full = Math.ceil((0.6 * WINDOW_MS) / everyMs);
  const kept = [...by.entries()].filter(([w, f]) => w > 0 && f.n >= full).sort((a, b) => a[0] - b[0]).map(([, f]) => f);
  if (kept.length < 3) return undefined;
  const perMin = slope(kept.map((f) => ({ x: (f.t - from) / 60_000, y: f.v })));
  const spanMin = (kept[kept.length - 1].t - kept[0].t) / 60_000;
  return { floorsMb: kept.map((f) => f.v), driftMb: perMin * spanMin, perMin };
}

/** The worker's V8 heap used and external memory (buffers) over a sweep, as floors per window. */
function heapSummary(samples: HeapSample[], from: number, to: number) {
  const heap = floors(samples, from, to, (x) => x.heapMb, HEAP_EVERY_MS);
  const external = floors(samples, from, to, (x) => x.externalMb, HEAP_EVERY_MS);
  if (!heap || !external) return undefined;
  const s = samples.filter((x) => x.t >= from && x.t <= to);
  return {
    floorsMb: heap.floorsMb.map((v) => Math.round(v)),
    heapPeakMb: Math.max(...s.map((x) => x.heapMb)), externalPeakMb: Math.max(...s.map((x) => x.externalMb)),
    heapDriftMb: heap.driftMb, externalDriftMb: external.driftMb,
    committedPeakMb: Math.max(...s.map((x) => x.committedMb)), committedEndMb: s[s.length - 1].committedMb,
  };
}

const fmt = (x: number, d = 1) => x.toFixed(d);

async function main(): Promise<void> {
  installRuntime('ERROR');
  // Eager activity dispatch (server side; the SDK worker asks for it by default): an activity a
  // workflow task schedules comes back in the reply to that task, without a trip through the
  // task queue. It serves both paths alike, so the ratio stays a like-for-like comparison.
  const [nats, temporal] = await Promise.all([startNats(), startTemporal({ dynamicConfig: { 'system.enableActivityEagerExecution': EAGER } })]);
  const worker = new WorkerProcess(temporal.address, nats.url);
  let failed: boolean;
  try {
    await worker.start();
    const client = await SweepClient.connect({ temporal: temporal.address, nats: nats.url, taskQueue: TASK_QUEUE });
    const nc = await connectNats({ servers: [nats.url] });
    await ensureStreams(nc);

    // The reference: bare activities running the same trivial trial, in this process.
    const executor = new InProcessExecutor(nc);
    const plans = resolveSpec(spec('bare', BARE), { yes: true }).plans;
    const bundle = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('./temporal-dispatch-workflows.js', import.meta.url)),
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: (m: string) => console.error(m) },
    });
    const refWorker = await Worker.create({
      connection: await NativeConnection.connect({ address: temporal.address }),
      taskQueue: 'bench-bare', workflowBundle: bundle, maxConcurrentActivityTaskExecutions: P,
      activities: {
        async bareTrial(i: number): Promise<number> {
          const p = plans[i % plans.length];
          const out = await executor.run({ sweepId: 'bare', trialId: p.id, attempt: 1, config: p.config, nats: { servers: [nats.url] } }, {
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
    const procs = () => ({ worker: worker.cpu(), temporal: cpuSeconds(temporal.pid), nats: cpuSeconds(nats.pid()), bench: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6 });
    const perTrialMs = (a: ReturnType<typeof procs>, b: ReturnType<typeof procs>, n: number) =>
      Object.fromEntries(Object.entries(b).map(([k, v]) => [k, ((v - a[k as keyof typeof a]) / n) * 1000]));
    let bareCpu: Record<string, number> = {};
    const bareRate = async (n: number) => {
      const cpu0 = procs();
      const t0 = performance.now();
      await tc.workflow.execute('bareActivitiesWorkflow', { taskQueue: 'bench-bare', workflowId: `bare-${Date.now()}`, args: [n, P] });
      const rate = n / ((performance.now() - t0) / 1000);
      bareCpu = perTrialMs(cpu0, procs(), n);
      return rate;
    };

    /** Runs a sweep of n trials; `onFinished` sees the finished count about every second. */
    const sweep = async (name: string, n: number, onFinished?: (finished: number) => Promise<void>) => {
      const planned = resolveSpec(spec(name, n), { yes: true }).plans.map((p) => p.id);
      const cpu0 = procs();
      const t0 = performance.now();
      const sub = await client.submit({ document: spec(name, n) }, { yes: true });
      let trialsDone = 0;
      // when the aggregator's cache of recent trial summaries (in this worker) is full
      let cacheFull = 0;
      let lastLog = t0;
      let acting = Promise.resolve();
      const watching = client.watch(sub.sweepId, (st) => {
        const f = st.progress?.finished ?? 0;
        if (!trialsDone && f >= n) trialsDone = performance.now();
        if (!cacheFull && f >= KNOWN_SUMMARIES) cacheFull = performance.now();
        if (onFinished) acting = acting.then(() => onFinished(f));
        if (performance.now() - lastLog > 30_000) {
          lastLog = performance.now();
          process.stderr.write(`${name}: ${f} of ${n} finished after ${fmt((lastLog - t0) / 1000, 0)} s, worker RSS ${fmt(rssMb(worker.child.pid) ?? 0, 0)} MB\n`);
        }
      }, { intervalMs: 1000 });
      const res = await client.wait(sub.sweepId);
      const end = performance.now();
      await watching;
      await acting;
      const cpu1 = procs();
      const tTrials = ((trialsDone || end) - t0) / 1000;
      const runs = await client.runs(sub.sweepId);
      const check = await checkExactlyOnce(nc, sub.sweepId, planned);
      const cpuPerTrialMs = perTrialMs(cpu0, cpu1, n);
      return {
        sweepId: sub.sweepId, finished: res.finished, counts: res.counts, records: res.analysis.records, seconds: tTrials, rate: n / tTrials,
        totalRate: n / ((end - t0) / 1000), runs: runs.length, history: runs.map((r) => r.historyLength), t0, end: trialsDone || end, cacheFull, check, cpuPerTrialMs,
      };
    };

    // Warm-up: module loading, JIT, backend start-up, stream creation.
    await sweep('warmup', 20);
    await bareRate(20);
    const load0 = loadavg();

    const bareBefore = ONLY_KILL ? 0 : await bareRate(BARE);
    const clean = ONLY_KILL ? undefined : await sweep('clean', N);
    const bareAfter = ONLY_KILL ? 0 : await bareRate(BARE);
    const cleanRss = clean && rssSummary(worker.samples, clean.t0, clean.end);
    const cleanHeap = clean && heapSummary(worker.heap, clean.t0, clean.end);
    // after the aggregator's bounded summary cache filled: what is left to grow is a leak
    const steadyRss = clean?.cacheFull ? rssSummary(worker.samples, clean.cacheFull, clean.end) : undefined;
    const steadyHeap = clean?.cacheFull ? heapSummary(worker.heap, clean.cacheFull, clean.end) : undefined;
    const bare = (bareBefore + bareAfter) / 2;
    const hist = (h: number[]) => `${h.length} runs, events per run min ${Math.min(...h)} / median ${[...h].sort((a, b) => a - b)[h.length >> 1]} / max ${Math.max(...h)}`;
    const checkLine = (c: Awaited<ReturnType<typeof checkExactlyOnce>>) =>
      `${c.distinct} distinct trial ids with a terminal event, ${c.duplicated} twice, ${c.missing} missing, ${c.unplanned} unplanned (${c.storedEvents} events stored; ${c.rerun} terminal events from a retried attempt) → ${c.ok ? 'exactly once' : 'NOT exactly once'}`;
    const cpuLine = (c: Record<string, number>) => Object.entries(c).map(([k, v]) => `${k} ${fmt(v)}`).join(', ');
    if (clean) {
      console.log(`trials: ${N} per sweep, parallelism ${P}, trivial trial = 1 step of a width-4 MLP in the worker process, eager activity dispatch ${EAGER ? 'on' : 'off'}; load average ${load0.map((x) => fmt(x, 2)).join(' ')} at the start, ${loadavg().map((x) => fmt(x, 2)).join(' ')} after the clean sweep`);
      console.log(`clean sweep: ${clean.finished} finished in ${fmt(clean.seconds)} s = ${fmt(clean.rate)} trials/s (${fmt(clean.totalRate)} with planning and analysis), ${hist(clean.history)}`);
      console.log(`  ${checkLine(clean.check)}`);
      if (cleanRss) console.log(`  worker RSS: start ${fmt(cleanRss.startMb)} MB, peak ${fmt(cleanRss.peakMb)} MB, end ${fmt(cleanRss.endMb)} MB; raw second-half slope ${fmt(cleanRss.slopeMbPerMin, 2)} MB/min (${fmt(cleanRss.secondHalfDriftMb)} MB over it); lowest per 30 s after warm-up ${cleanRss.floorsMb?.join(' ') ?? '(run too short)'} MB, fitted change ${cleanRss.floorDriftMb === undefined ? '-' : fmt(cleanRss.floorDriftMb)} MB → ${cleanRss.flat ? 'flat' : 'NOT flat'} (flat: under 5% of the peak)`);
      if (cleanHeap) console.log(`  worker V8 heap used, lowest per 30 s after warm-up: ${cleanHeap.floorsMb.join(' ')} MB (peak ${fmt(cleanHeap.heapPeakMb)}); fitted change of those floors: heap ${fmt(cleanHeap.heapDriftMb)} MB, external ${fmt(cleanHeap.externalDriftMb)} MB (peak ${fmt(cleanHeap.externalPeakMb)}); V8 heap committed peak ${fmt(cleanHeap.committedPeakMb)} MB, at the end ${fmt(cleanHeap.committedEndMb)} MB; worker NODE_OPTIONS ${WORKER_NODE_OPTIONS || "(none: Node's default heap sizing)"}`);
      if (steadyRss?.floorsMb && steadyHeap && clean.cacheFull) {
        console.log(`  after the aggregator's cache of ${KNOWN_SUMMARIES} summaries filled (${fmt((clean.cacheFull - clean.t0) / 1000, 0)} s in): RSS lowest per 30 s ${steadyRss.floorsMb.join(' ')} MB, fitted change ${fmt(steadyRss.floorDriftMb ?? NaN)} MB → ${steadyRss.flat ? 'flat' : 'NOT flat'}; V8 heap used floors ${steadyHeap.floorsMb.join(' ')} MB, fitted change ${fmt(steadyHeap.heapDriftMb)} MB`);
      } else if (clean.cacheFull) {
        console.log(`  after the aggregator's cache of ${KNOWN_SUMMARIES} summaries filled: too short to fit (fewer than 3 full 30 s windows)`);
      }
      console.log(`  CPU ms per trial: ${cpuLine(clean.cpuPerTrialMs)}`);
      console.log(`bare activities running the same trial: ${fmt(bareBefore)} trials/s before, ${fmt(bareAfter)} after`);
      console.log(`  CPU ms per trial (after; the worker process idles, the bare worker is the bench process): ${cpuLine(bareCpu)}`);
      console.log(`dispatch ratio sweep / bare activities: ${fmt(clean.rate / bare, 3)}`);
    }

    let kill: (Awaited<ReturnType<typeof sweep>> & { killedAt: number; killedPid: number; restartS: number }) | undefined;
    if (KILL_AT > 0) {
      let killedAt = 0;
      let killedPid = 0;
      let restartS = 0;
      const r = await sweep('kill', N, async (finished) => {
        if (killedAt || finished < KILL_AT) return;
        killedAt = finished;
        killedPid = worker.child.pid;
        await worker.kill9();
        const t = performance.now();
        await worker.start();
        restartS = (performance.now() - t) / 1000;
      });
      kill = { ...r, killedAt, killedPid, restartS };
    }
    const load1 = loadavg();

    if (kill) {
      const rss = rssSummary(worker.samples, kill.t0, kill.end);
      console.log(`kill sweep: SIGKILL of the worker (pid ${kill.killedPid}) at ${kill.killedAt} finished, restarted in ${fmt(kill.restartS)} s; ${kill.finished} finished in ${fmt(kill.seconds)} s = ${fmt(kill.rate)} trials/s, ${hist(kill.history)}`);
      console.log(`  ${checkLine(kill.check)}`);
      if (rss) console.log(`  worker RSS over both processes: start ${fmt(rss.startMb)} MB, peak ${fmt(rss.peakMb)} MB, end ${fmt(rss.endMb)} MB`);
      console.log(`load average at the end: ${load1.map((x) => fmt(x, 2)).join(' ')}`);
    }
    failed = (clean !== undefined && (!clean.check.ok || clean.finished !== N)) || (kill !== undefined && (!kill.check.ok || kill.finished !== N));
    console.log(JSON.stringify({ N, P, BARE, EAGER, load0, load1, clean: clean && { ...clean, rss: cleanRss, heap: cleanHeap, steadyRss, steadyHeap }, bareBefore, bareAfter, bareCpu, ratio: clean && clean.rate / bare, kill }));

    refWorker.shutdown();
    await refRun;
    await connection.close();
    await nc.close();
    await client.close();
    await worker.stop();
  } finally {
    await temporal.stop();
    await nats.stop();
    await killAllChildren();
  }
  if (failed) throw new Error('a sweep did not complete every trial exactly once');
}

main().then(() => process.exit(0), (err) => {
  console.error(`bench: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
