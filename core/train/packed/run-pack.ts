// A pack of trials run by one process: the entry point the embedded runner, the trainer
// process and the cluster activities use for packed execution. Each member reports through its
// own context exactly as `runTrial` does (a `started` event, metric messages, one terminal
// event) and gets its own result, in member order.
//
// Members with equal pack keys (two or more of them, with valid configs, tasks of one shape and
// no abort yet) train together as one vectorised model (train-packed.ts); every other member
// runs alone through runTrial.
import { centered, trialConfigSchema, type TrialConfig } from '../../config/trial.js';
import { prepareCompiled } from '../compiled.js';
import { OUTCOME_EVENT, type TrialResult } from '../../outcome.js';
import { createTask } from '../../tasks/index.js';
import type { Task } from '../../tasks/task.js';
import { activeBackendName, initBackend } from '../../backend/backend.js';
import { lrConvention } from '../../model/parametrization.js';
import { FinalTracker } from '../standard.js';
import { runTrial, settleOutcome, terminalFields, trialEvent, type TrialContext } from '../run-trial.js';
import { packBytesPerTrial, packKey, WASM_PACK_BYTES } from './pack-key.js';
import { sameShapes, trainPacked, type PackedTrial } from './train-packed.js';

export interface PackMember {
  config: TrialConfig;
  ctx: TrialContext;
}

export async function runPack(members: readonly PackMember[]): Promise<TrialResult[]> {
  const results: TrialResult[] = new Array(members.length);
  const groups = new Map<string, number[]>();
  const order: (string | number)[] = [];
  members.forEach((m, i) => {
    const valid = trialConfigSchema.safeParse(m.config).success;
    const key = valid && !m.ctx.signal?.aborted ? packKey(m.config) : null;
    if (key === null) {
      order.push(i);
      return;
    }
    if (!groups.has(key)) {
      groups.set(key, []);
      order.push(key);
    }
    groups.get(key)!.push(i);
  });
  for (const item of order) {
    const indices = typeof item === 'number' ? [item] : groups.get(item)!;
    // each member's own task (seeded by its own seed); one that cannot be built runs alone and fails there
    const tasks = new Map<number, Task>();
    for (const i of indices) {
      try {
        tasks.set(i, members[i].ctx.task ?? createTask(members[i].config.task, members[i].config.seed, members[i].ctx.data));
      } catch {
        // runTrial reports it
      }
    }
    const ready = indices.filter((i) => tasks.has(i));
    const packed = ready.length > 1 && sameShapes(ready.map((i) => tasks.get(i)!)) ? ready : [];
    for (const i of indices) {
      if (packed.includes(i)) continue;
      const task = tasks.get(i);
      results[i] = await runTrial(members[i].config, task ? { ...members[i].ctx, task } : members[i].ctx);
    }
    for (const part of await withinMemory(packed, members, tasks)) {
      if (part.length === 1) {
        results[part[0]] = await runTrial(members[part[0]].config, { ...members[part[0]].ctx, task: tasks.get(part[0])! });
        continue;
      }
      const out = await runPacked(part.map((i) => ({ ...members[i], task: tasks.get(i)! })));
      part.forEach((i, k) => { results[i] = out[k]; });
    }
  }
  return results;
}

/**
 * The members of one pack as packs that fit the backend: on wasm at most WASM_PACK_BYTES each
 * (an explicit execution.pack can ask for more than wasm memory holds), else all of them.
 */
async function withinMemory(packed: readonly number[], members: readonly PackMember[], tasks: ReadonlyMap<number, Task>): Promise<number[][]> {
  if (packed.length === 0) return [];
  const config = members[packed[0]].config;
  try {
    await initBackend(config.backend);
  } catch {
    return [[...packed]]; // runPacked reports the backend's error to every member
  }
  if (activeBackendName() !== 'wasm') return [[...packed]];
  const task = tasks.get(packed[0])!;
  return splitPack(packed, packBytesPerTrial(config, task.inputDim, task.outputDim), WASM_PACK_BYTES);
}

/** `members` in order as consecutive packs of at most `limit` bytes each (at least one member each). */
export function splitPack<T>(members: readonly T[], bytesPerTrial: number, limit: number): T[][] {
  const cap = Math.max(1, Math.floor(limit / bytesPerTrial));
  const parts: T[][] = [];
  for (let lo = 0; lo < members.length; lo += cap) parts.push(members.slice(lo, lo + cap));
  return parts;
}

/** Members of one pack key through the vectorised trainer, each reported as runTrial reports it. */
async function runPacked(members: readonly (PackMember & { task: Task })[]): Promise<TrialResult[]> {
  const started = performance.now();
  const config = members[0].config;
  let backend = 'unavailable';
  let backendError: unknown = null;
  try {
    backend = await initBackend(config.backend);
    if (config.backend.step === 'compiled') {
      await prepareCompiled(config, true, members.some((m) => centered(m.config.model)));
      backend += '; compiled step';
    }
  } catch (err) {
    backendError = err;
  }
  const trials: PackedTrial[] = [];
  const results: TrialResult[] = [];
  for (const m of members) {
    const convention = lrConvention(m.config.model, m.config.optimizer);
    await m.ctx.emit(trialEvent(m.ctx, 'started', { backend, lrConvention: convention }));
    const tracker = new FinalTracker();
    results.push({ trialId: m.ctx.trialId, outcome: 'succeeded', step: 0, final: tracker.final, backend, lrConvention: convention, durationMs: 0 });
    trials.push({
      config: m.config, task: m.task, tracker,
      io: { sweepId: m.ctx.sweepId, trialId: m.ctx.trialId, emit: m.ctx.emit, signal: m.ctx.signal },
    });
  }
  const done = new Set<number>();
  const end = async (i: number, err: unknown) => {
    if (done.has(i)) return;
    done.add(i);
    const { tracker } = trials[i];
    const result = results[i];
    if (err === null) result.step = tracker.final.step;
    else settleOutcome(result, tracker, err, trials[i].io.signal);
    result.final = tracker.final;
    result.durationMs = Math.round(performance.now() - started);
    await members[i].ctx.emit(trialEvent(members[i].ctx, OUTCOME_EVENT[result.outcome], terminalFields(result)));
  };
  try {
    if (backendError) throw backendError;
    await trainPacked(trials, end);
  } catch (err) {
    // an error of the pack as a whole: every trial still running ends with it
    for (let i = 0; i < trials.length; i++) await end(i, err);
  }
  return results;
}
