// The measured side of bench/pack-throughput: the benchmark sweep trained by the product in this
// one process, either as one pack (`runPack` over all trials: whatever core/train/packed makes of
// it) or unpacked (`runTrial` for each trial in turn). Settings as JSON in argv[2]; prints one
// JSON line: trial·steps trained, wall and CPU time, each trial's outcome and final loss.
import { isEvent, type BusMessage } from '../../core/messages.js';
import type { TrialResult } from '../../core/outcome.js';
import { createTask } from '../../core/tasks/index.js';
import { runPack, type PackMember } from '../../core/train/packed/run-pack.js';
import { runTrial } from '../../core/train/run-trial.js';
import { packSchedule, stepsTrained } from './compare.js';
import { sweepConfigs, type OurBackend, type SweepSettings } from './sweep.js';

export interface OursSettings {
  mode: 'packed' | 'unpacked';
  backend: OurBackend;
  threads: number;
  sweep: SweepSettings;
}

export interface OursResult {
  mode: 'packed' | 'unpacked';
  backend: string;
  trialSteps: number;
  wallMs: number;
  cpuMs: number;
  /** backend start and a two-step warm-up trial, before the timed sweep */
  warmupMs: number;
  finals: number[];
  outcomes: string[];
  /** how the trials ran: each finished before the next started, or together */
  schedule: 'sequential' | 'together';
  /** CPU time of building one trial's task (its data sets), measured after the sweep */
  taskCpuMs: number;
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

type EventLog = Array<{ trial: number; kind: 'started' | 'terminal' }>;

function members(s: OursSettings, sweep: SweepSettings, prefix: string, log: EventLog): PackMember[] {
  return sweepConfigs(sweep, s.backend, s.threads).map((config, trial) => {
    const trialId = `${prefix}${trial}`;
    // every member must report for itself: a started event, its metrics, one terminal event
    const emit = (msg: BusMessage) => {
      if (msg.trialId !== trialId) throw new Error(`trial ${trialId} received a message of ${msg.trialId}`);
      if (isEvent(msg)) log.push({ trial, kind: msg.event === 'started' ? 'started' : 'terminal' });
    };
    return { config, ctx: { sweepId: 'pack-throughput', trialId, emit } };
  });
}

async function train(s: OursSettings, ms: PackMember[]): Promise<TrialResult[]> {
  if (s.mode === 'packed') return runPack(ms);
  const out: TrialResult[] = [];
  for (const m of ms) out.push(await runTrial(m.config, m.ctx));
  return out;
}

/** What every trial pays before its first step for its data: createTask, as runTrial calls it. */
function taskCost(m: PackMember): number {
  const c = cpuMs();
  createTask(m.config.task, m.config.seed);
  return cpuMs() - c;
}

async function main(): Promise<void> {
  const s = JSON.parse(process.argv[2]) as OursSettings;
  const w0 = performance.now();
  // warm-up: backend start, kernel set-up, first allocations; two trials of two steps
  const warm = { ...s.sweep, steps: 2, lrs: s.sweep.lrs.slice(0, 2), seeds: s.sweep.seeds.slice(0, 2) };
  await train(s, members(s, warm, 'warm', []));
  const warmupMs = performance.now() - w0;

  const log: EventLog = [];
  const ms = members(s, s.sweep, 't', log);
  const t = performance.now(), c = cpuMs();
  const results = await train(s, ms);
  const wallMs = performance.now() - t, cpu = cpuMs() - c;
  if (results.length !== ms.length) throw new Error(`${ms.length} trials in, ${results.length} results out`);
  results.forEach((r, i) => {
    if (r.trialId !== ms[i].ctx.trialId) throw new Error(`result ${i} belongs to ${r.trialId}, not ${ms[i].ctx.trialId}`);
  });
  const out: OursResult = {
    mode: s.mode, backend: results[0]?.backend ?? 'none', wallMs, cpuMs: cpu, warmupMs,
    trialSteps: results.reduce((a, r) => a + stepsTrained(r, s.sweep.steps), 0),
    finals: results.map((r) => r.final.trainLoss ?? NaN),
    outcomes: results.map((r) => r.outcome),
    schedule: packSchedule(log),
    taskCpuMs: taskCost(ms[0]),
  };
  const started = log.filter((e) => e.kind === 'started').length, ended = log.length - started;
  if (started !== ms.length || ended !== ms.length) throw new Error(`${ms.length} trials reported ${started} started and ${ended} terminal events`);
  console.log(JSON.stringify(out));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
