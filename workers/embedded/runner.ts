// The embedded sweep runner: a thin adapter around the scheduler (core/scheduler). It answers the
// scheduler's rounds by asking the search strategy in-process, runs the trials it hands out in a
// pool of worker processes, and streams every result into the output folder as it arrives. Only
// the plans, the per-trial outcomes and the trials in flight are held in memory; metrics go
// straight to disk.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { AnalyzeFolderResult } from '../../core/analysis/folder.js';
import { isCommandSweep, type AnyResolvedSweep, type ResolvedSweep } from '../../core/config/spec.js';
import { isCommandTrial, type AnyTrialConfig } from '../../core/config/command-trial.js';
import type { BackendConfig, TrialConfig } from '../../core/config/trial.js';
import { isEvent, type BusMessage } from '../../core/messages.js';
import { OUTCOMES, trialRecord, type Outcome } from '../../core/outcome.js';
import { SweepOutput, type Cleanup } from '../../core/output/folder.js';
import { describeHolder, FolderLock } from '../../core/output/lock.js';
import { createCommandStrategy, createStrategy } from '../../core/grid/strategy.js';
import { Scheduler } from '../../core/scheduler/scheduler.js';
import { finishedTrial, type SearchState, type SearchStrategy, type TrialPlan } from '../../core/search/strategy.js';
import { WorkerPool } from './pool.js';
import { CommandPool } from './command-pool.js';
import type { TrialRun } from './trial-runner.js';
import { planPacks, type PackSetting } from './packs.js';
import type { Progress } from './progress.js';
import { writeSweepSummary } from './summary.js';
import { callHook, type TelemetryHooks } from '../../activities/telemetry.js';
import { type DataAccess, trainerDataAccess } from '../../core/tasks/file/data-roots.js';
import { preflightGate } from './preflight.js';
import { RateLimitedLog } from '../../core/rate-limited-log.js';
import { printable } from '../printable.js';
import type { RejectReason } from '../../core/message-schema.js';

export interface RunOptions {
  /** output folder */
  out: string;
  /** worker processes (default: execution.parallelism capped to the CPU count) */
  parallel?: number;
  progress: Progress;
  /** aborting stops the workers and leaves the folder consistent and resumable */
  signal?: AbortSignal;
  /** run failed trials of earlier runs again */
  retryFailed?: boolean;
  /** worker entry module (tests substitute their own) */
  workerEntry?: string;
  /** pass the workers' output through (debugging) */
  inheritOutput?: boolean;
  /** telemetry of the run (Prometheus, `sweep run --metrics-port`) */
  hooks?: TelemetryHooks;
  /** folders file tasks may read (`sweep run`: the spec's folder and --data-root; default SWEEP_DATA_ROOTS) */
  data?: DataAccess;
  /** how the folder's lock names its holder (default `sweep run`) */
  command?: string;
  /** `--skip-preflight`: run without the spec's coord check (recorded in preflight.json) */
  skipPreflight?: boolean;
  /** working directory of a command trainer (`sweep run`: the spec's folder; default the current one) */
  cwd?: string;
  /** `--pack`: overrides execution.pack (built-in trainer only; a command trainer's trials never pack) */
  pack?: PackSetting;
}

export interface RunResult {
  dir: string;
  /** trials planned by the search */
  total: number;
  /** of those, finished (in this run or an earlier one) */
  done: number;
  /** trials run to an outcome in this run */
  ranNow: number;
  /** planned trials by outcome (trials outside the plan are counted in `foreign`) */
  counts: Record<Outcome, number>;
  interrupted: boolean;
  cleanup: Cleanup;
  /** records in the folder that the spec no longer plans (kept) */
  foreign: number;
  /** planned trials whose outcome is failed (now or in an earlier run) */
  failedInPlan: number;
  /** summary.json and report.html, written when the sweep was not interrupted */
  analysis?: AnalyzeFolderResult;
}

export const DEFAULT_WORKER_ENTRY = fileURLToPath(new URL('./worker.js', import.meta.url));

/** Worker count: --parallel if given, else the spec's parallelism capped to the CPUs. */
export function workerCount(resolved: AnyResolvedSweep, parallel?: number): number {
  return Math.max(1, parallel ?? Math.min(resolved.spec.execution.parallelism, availableParallelism()));
}

/** Backend settings for each worker: unset thread counts share the CPUs among the workers. */
export function workerBackend(resolved: ResolvedSweep, workers: number): BackendConfig {
  const backend = resolved.plans[0]?.config.backend ?? { name: 'auto', threads: 0 };
  if (backend.threads !== 0) return backend;
  return { ...backend, threads: Math.max(1, Math.floor(availableParallelism() / workers)) };
}

/**
 * Runs the sweep into `opts.out`, holding the folder's lock from before it is opened until the
 * summary is written (released on every way out, including process.exit on a second Ctrl-C).
 */
export async function runSweep(resolved: AnyResolvedSweep, opts: RunOptions): Promise<RunResult> {
  const lock = FolderLock.acquire(opts.out, opts.command ?? 'sweep run', { create: true });
  try {
    return await runLocked(resolved, opts, lock);
  } finally {
    lock.release();
  }
}

type Plan = TrialPlan<AnyTrialConfig>;

async function runLocked(resolved: AnyResolvedSweep, opts: RunOptions, lock: FolderLock): Promise<RunResult> {
  const { spec } = resolved;
  const sweepId = spec.name;
  const { output, cleanup } = await SweepOutput.open(opts.out, { name: spec.name, retryFailed: opts.retryFailed });
  await output.writeJson('spec', { name: spec.name, description: spec.description, trainer: spec.trainer, base: spec.base,
    axes: spec.grid.axes.map((a) => ({ path: a.path, values: a.values, kind: a.kind })), search: spec.search,
    analysis: spec.analysis, execution: spec.execution });

  // The preflight (the spec's coord check) before any trial; a failing one throws PreflightFailed.
  // (a command trainer has none: its spec refuses the section)
  if (!isCommandSweep(resolved)) await preflightGate(resolved, opts.out, opts).catch(async (err: unknown) => { await output.close(); throw err; });

  const strategy: SearchStrategy<Plan> = isCommandSweep(resolved) ? createCommandStrategy(resolved) : createStrategy(resolved);
  const state: SearchState<Plan> = { planned: [], finished: {} };
  const scheduler = new Scheduler<Plan>();
  let done = 0;
  let ranNow = 0;
  const maxWorkers = workerCount(resolved, opts.parallel);
  // Packs of the current round not handed out yet; the scheduler holds the round's trials in
  // pack order, so each pack is its next trials. Command trainers never pack.
  const packSetting: PackSetting = isCommandSweep(resolved) ? 'off' : opts.pack ?? resolved.spec.execution.pack;
  let packQueue: Plan[][] = [];

  /**
   * Asks the strategy for the round the scheduler needs. Trials finished in an earlier run are
   * answered at once; while everything proposed had already run, the strategy may want more
   * right away. The round holds the trials to run now, as one page.
   */
  const planRound = () => {
    const round = scheduler.askRound();
    const runnable: Plan[] = [];
    let searchDone: boolean;
    for (;;) {
      const step = strategy.step(state);
      searchDone = step.done;
      for (const plan of step.next) {
        state.planned.push(plan);
        const earlier = output.finished.get(plan.id);
        if (earlier) {
          state.finished[plan.id] = earlier;
          done++;
        } else {
          runnable.push(plan);
        }
      }
      if (searchDone || runnable.length || !step.next.length) break;
    }
    packQueue = planPacks(runnable, (p) => p.config as TrialConfig, packSetting, maxWorkers);
    const ordered = packQueue.flat();
    scheduler.addRound({ round, count: ordered.length, pageSize: Math.max(1, ordered.length), done: searchDone });
    if (ordered.length) scheduler.supply(0, ordered);
  };
  // nothing running, nothing proposed, not done: the strategy cannot go on
  const noteStuck = () => {
    if (scheduler.stuck) opts.progress.log(`note: search ${strategy.kind} stopped proposing trials before saying it was done`);
  };
  const askMore = () => {
    planRound();
    opts.progress.setTotal(state.planned.length);
    noteStuck();
  };
  planRound();

  // a fixed plan needs no more workers than it has packs left; an adaptive one may add trials
  const workers = Math.max(1, Math.min(maxWorkers, scheduler.searchDone ? packQueue.length || 1 : Infinity));
  let aborted = false;
  let fatal: unknown;
  // A dropped worker report: counted by reason, one line per reason per 10 s (a flood stays quiet).
  const rejectLog = new RateLimitedLog<RejectReason>((line) => opts.progress.log(line), 10_000);
  const onRejected = (reason: RejectReason, problem: string, job: { trialId: string }) => {
    callHook(opts.hooks, 'messageRejected', reason);
    rejectLog.note(reason, printable(`note: dropped a message of trial ${job.trialId}: ${reason}: ${problem}`));
  };
  // Last metric step written per unrecorded trial. A pack member run again after its worker
  // died starts over; its steps up to this one are in the file already, computed from the same
  // seed and config, so they are not written twice.
  const written = new Map<string, number>();
  const onMessage = (m: BusMessage) => {
    if (aborted || isEvent(m)) return;
    if (m.step <= (written.get(m.trialId) ?? -1)) return;
    written.set(m.trialId, m.step);
    try {
      output.writeMetric(m);
      callHook(opts.hooks, 'metric', m);
    } catch (err) {
      stop(err);
    }
  };
  const pool = trialPool(resolved, workers, opts, onMessage, onRejected);
  let closing: Promise<void> | undefined;
  const stop = (err?: unknown) => {
    if (err !== undefined && fatal === undefined) fatal = err;
    aborted = true;
    closing ??= pool.close();
  };
  const onAbort = () => stop();
  if (opts.signal?.aborted) stop();
  opts.signal?.addEventListener('abort', onAbort);

  const planned = new Set(state.planned.map((p) => p.id));
  const foreign = [...output.finished.keys()].filter((id) => !planned.has(id)).length;
  opts.progress.start({ name: spec.name, dir: opts.out, total: state.planned.length, done, parallel: workers, packs: packQueue.map((p) => p.length) });
  for (const line of cleanupNotes(opts.out, cleanup, lock)) opts.progress.log(line);
  if (foreign) opts.progress.log(`note: ${foreign} trial${foreign === 1 ? '' : 's'} in ${opts.out} are not part of this spec's grid (kept)`);
  noteStuck();

  const record = (plan: Plan, { result, attempt }: TrialRun) => {
    const rec = trialRecord(sweepId, plan, result, attempt, new Date().toISOString());
    output.writeRecord(rec);
    written.delete(plan.id);
    state.finished[plan.id] = finishedTrial(rec);
    scheduler.onDone(rec);
    done++;
    ranNow++;
    opts.progress.trialFinished(rec);
    callHook(opts.hooks, 'trialFinished', { sweepId, trialId: plan.id, attempt, executor: 'embedded', outcome: rec.outcome, durationMs: rec.durationMs });
  };

  // A crash cannot be blamed on one member of a pack: its unfinished members run again as a
  // smaller pack, on the last of execution.maxAttempts each alone; a trial that crashes its
  // worker alone fails.
  const maxAttempts = resolved.spec.execution.maxAttempts;
  const runPack = async (plans: Plan[], attempt: number): Promise<void> => {
    for (const plan of plans) callHook(opts.hooks, 'trialStarted', { sweepId, trialId: plan.id, attempt, executor: 'embedded' });
    const again: Plan[] = [];
    await Promise.all(pool.runPack(sweepId, plans, attempt).map((p, i) => p.then((run) => {
      const plan = plans[i];
      if (!run || aborted) scheduler.onDone({ trialId: plan.id, outcome: 'cancelled' }); // stopped: not recorded
      else if (run.workerDied && plans.length > 1 && attempt < maxAttempts) again.push(plan);
      else record(plan, run);
    })));
    if (!again.length) return;
    if (aborted) {
      for (const plan of again) scheduler.onDone({ trialId: plan.id, outcome: 'cancelled' });
      return;
    }
    // the last attempt runs each alone, so a trial that crashes every time fails by itself
    const next = attempt + 1;
    const alone = next >= maxAttempts && again.length > 1;
    opts.progress.log(`note: a worker died running a pack of ${plans.length} trials; its ${again.length} unfinished trial${again.length === 1 ? '' : 's'} run again (attempt ${next}${alone ? ', each alone' : ''})`);
    if (alone) await Promise.all(again.map((plan) => runPack([plan], next)));
    else await runPack(again, next);
  };

  const inflight = new Set<Promise<void>>();
  const launch = (plans: Plan[]) => {
    const p: Promise<void> = runPack(plans, 1)
      .catch((err: unknown) => stop(err))
      .finally(() => inflight.delete(p));
    inflight.add(p);
  };
  // the next packs, while fewer than `workers` are in flight
  const launchPacks = () => {
    while (!aborted && inflight.size < workers && packQueue.length) {
      const plans = scheduler.next(Infinity, packQueue.shift()!.length);
      if (!plans.length) break;
      launch(plans);
    }
  };

  try {
    for (;;) {
      launchPacks();
      if (!inflight.size) {
        if (aborted || !scheduler.needsRound) break; // done, stuck, or stopped
        askMore();
        continue;
      }
      await Promise.race(inflight);
      if (!aborted && scheduler.needsRound) askMore();
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    stop();
    await closing;
    opts.progress.stop();
    await output.close();
  }
  if (fatal !== undefined) throw fatal;

  const interrupted = !!opts.signal?.aborted;
  const notes = cleanup.rerun.map((id) => `trial ${id} was run again: metrics.jsonl ended with a torn line of it, so its earlier metrics were incomplete`);
  const analysis = interrupted ? undefined : await writeSweepSummary(output, state.planned.length, lock, notes);
  if (analysis) callHook(opts.hooks, 'sweepAnalyzed', sweepId, analysis.summary);
  const failedInPlan = state.planned.filter((p) => state.finished[p.id]?.outcome === 'failed').length;
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const p of state.planned) {
    const o = state.finished[p.id]?.outcome;
    if (o) counts[o]++;
  }
  const plannedIds = new Set(state.planned.map((p) => p.id));
  const others = [...output.finished.keys()].filter((id) => !plannedIds.has(id)).length;
  return { dir: opts.out, total: state.planned.length, done, ranNow, counts, interrupted, cleanup, foreign: others, failedInPlan, analysis };
}

/** A trial's run in a pool; `workerDied` when its worker process died before it ended. */
interface PackRun extends TrialRun {
  workerDied?: boolean;
}

interface TrialPool {
  /** one promise per plan, each resolving as that trial ends (null: stopped first) */
  runPack(sweepId: string, plans: readonly Plan[], attempt: number): Promise<PackRun | null>[];
  close(): Promise<void>;
}

/** Built-in trials run in the worker processes, one trial or one pack at a time; a command trainer's as processes of their own. */
function trialPool(
  resolved: AnyResolvedSweep, workers: number, opts: RunOptions, onMessage: (m: BusMessage) => void,
  onRejected: (reason: RejectReason, problem: string, job: { trialId: string }) => void,
): TrialPool {
  if (isCommandSweep(resolved)) {
    const pool = new CommandPool({
      trainer: resolved.spec.trainer, cwd: opts.cwd ?? process.cwd(), maxAttempts: resolved.spec.execution.maxAttempts,
      size: workers, inheritOutput: opts.inheritOutput, onStart: () => opts.progress.trialStarted(), onMessage,
    });
    return {
      runPack: (sweepId, plans) => plans.map(({ id, config }) => {
        if (!isCommandTrial(config)) throw new Error(`trial ${id} is not a command trial`);
        return pool.run({ sweepId, trialId: id, config });
      }),
      close: () => pool.close(),
    };
  }
  const pool = new WorkerPool({
    size: workers,
    entry: opts.workerEntry ?? DEFAULT_WORKER_ENTRY,
    backend: workerBackend(resolved, workers),
    data: opts.data ?? trainerDataAccess(),
    inheritOutput: opts.inheritOutput,
    // the progress counts trials: a member run again after a crash is still the same running trial
    onStart: (job) => {
      if (job.attempt === 1) opts.progress.trialStarted();
    },
    onRejected,
    onMessage,
  });
  return {
    runPack: (sweepId, plans, attempt) => {
      const jobs = plans.map(({ id, config }) => {
        if (isCommandTrial(config)) throw new Error(`trial ${id} is a command trial`);
        return { sweepId, trialId: id, attempt, config };
      });
      return pool.runPack(jobs).map(async (p) => {
        const run = await p;
        return run && { result: run.result, attempt, workerDied: run.workerDied };
      });
    },
    close: () => pool.close(),
  };
}

/** What opening the folder found and tidied, as lines for the user. */
function cleanupNotes(dir: string, c: Cleanup, lock: FolderLock): string[] {
  const lines: string[] = [];
  if (lock.replaced) lines.push(`note: took over ${dir} from ${describeHolder(lock.replaced)}, which is no longer running`);
  if (c.adopted) lines.push(`note: ${c.adopted}`);
  for (const id of c.rerun) lines.push(`note: metrics.jsonl ended with a torn line of finished trial ${id}; it runs again so its metrics are complete`);
  if (c.records || c.metricLines) lines.push(`note: tidied ${dir}: ${c.records} unusable or unfinished trial record(s) and ${c.metricLines} metric line(s) of unfinished trials removed`);
  return lines;
}
