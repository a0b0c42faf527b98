// One trial from start to outcome: the public entry point used by the embedded runner, the
// trial pod and `sweep trial`. It reports through `emit` (a `started` event, one metric message
// per evaluation point, exactly one terminal event) and never throws for a trial outcome:
// divergence, cancellation and errors inside training are results.
import { ConfigError, formatIssues } from '../config/errors.js';
import { trialConfigSchema, type TrialConfig } from '../config/trial.js';
import type { BusMessage, TrialEvent, TrialEventKind } from '../messages.js';
import { OUTCOME_EVENT, type TrialResult } from '../outcome.js';
import { createTask } from '../tasks/index.js';
import type { Task } from '../tasks/task.js';
import type { DataAccess } from '../tasks/file/data-roots.js';
import { initBackend } from '../backend/backend.js';
import { lrConvention } from '../model/parametrization.js';
import { trainGiantStep } from './giant-step.js';
import { Cancelled, Diverged } from './signals.js';
import { FinalTracker, trainStandard } from './standard.js';
import { Trainer } from './trainer.js';
import { attachCompiled, prepareCompiled } from './compiled.js';
import { errorMessage } from '../error-message.js';

export { initBackend, activeBackend } from '../backend/backend.js';

export interface TrialContext {
  sweepId: string;
  trialId: string;
  emit(msg: BusMessage): void | Promise<void>;
  signal?: AbortSignal;
  attempt?: number;
  /** a ready-made task instead of createTask(config.task, config.seed) (tests, embedding callers) */
  task?: Task;
  /** folders a `file` task may read, and what relative paths mean (default: SWEEP_DATA_ROOTS) */
  data?: DataAccess;
}

export async function runTrial(config: TrialConfig, ctx: TrialContext): Promise<TrialResult> {
  const started = performance.now();
  const { sweepId, trialId } = ctx;
  const convention = lrConvention(config.model, config.optimizer);
  const event = (kind: TrialEventKind, extra: Partial<TrialEvent>) => trialEvent(ctx, kind, extra);

  let backend = 'unavailable';
  let backendError: unknown = null;
  try {
    backend = await initBackend(config.backend);
    if (config.backend?.step === 'compiled') {
      await prepareCompiled(config);
      backend += '; compiled step';
    }
  } catch (err) {
    backendError = err;
  }
  await ctx.emit(event('started', { backend, lrConvention: convention }));

  const tracker = new FinalTracker();
  const result: TrialResult = {
    trialId, outcome: 'succeeded', step: 0, final: tracker.final, backend, lrConvention: convention, durationMs: 0,
  };
  let trainer: Trainer | null = null;
  try {
    if (backendError) throw backendError;
    const parsed = trialConfigSchema.safeParse(config);
    if (!parsed.success) throw new ConfigError(formatIssues(parsed.error.issues), 'trial config');
    if (ctx.signal?.aborted) throw new Cancelled(0);
    const task = ctx.task ?? createTask(config.task, config.seed, ctx.data);
    trainer = new Trainer(config, task.inputDim, task.outputDim);
    if (config.backend?.step === 'compiled') await attachCompiled(trainer);
    const io = { sweepId, trialId, emit: ctx.emit, signal: ctx.signal };
    if (config.giantStep) {
      const out = await trainGiantStep(config, task, trainer, io, tracker);
      result.giantStep = out.giantStep;
    } else {
      const out = await trainStandard(config, task, trainer, io, tracker);
      if (out.continual) result.continual = out.continual;
    }
    result.step = tracker.final.step;
  } catch (err) {
    settleOutcome(result, tracker, err, ctx.signal);
  } finally {
    trainer?.dispose();
  }
  result.final = tracker.final;
  result.durationMs = Math.round(performance.now() - started);
  await ctx.emit(event(OUTCOME_EVENT[result.outcome], terminalFields(result)));
  return result;
}

/** A trial event of this context (its ids and attempt), stamped now. */
export function trialEvent(ctx: TrialContext, kind: TrialEventKind, extra: Partial<TrialEvent>): TrialEvent {
  const e: TrialEvent = { sweepId: ctx.sweepId, trialId: ctx.trialId, event: kind, ...extra, time: new Date().toISOString() };
  if (ctx.attempt !== undefined) e.attempt = ctx.attempt;
  return e;
}

/** How a run that stopped with `err` ended: diverged, cancelled or failed (shared with packed runs). */
export function settleOutcome(result: TrialResult, tracker: FinalTracker, err: unknown, signal?: AbortSignal): void {
  if (err instanceof Diverged) {
    result.outcome = 'diverged';
    result.step = err.step;
    tracker.diverged(err.step, err.loss);
    result.error = err.message;
    result.divergence = err.reason;
  } else if (err instanceof Cancelled || signal?.aborted) {
    result.outcome = 'cancelled';
    result.step = err instanceof Cancelled ? err.step : tracker.final.step;
  } else {
    result.outcome = 'failed';
    result.step = tracker.final.step;
    result.error = errorMessage(err);
  }
}

/** What the terminal event carries besides the outcome. */
export function terminalFields(result: TrialResult): Partial<TrialEvent> {
  const terminal: Partial<TrialEvent> = { step: result.step, final: result.final, durationMs: result.durationMs, backend: result.backend };
  if (result.error) terminal.error = result.error;
  if (result.divergence) terminal.divergence = result.divergence;
  if (result.continual) terminal.continual = result.continual;
  if (result.giantStep) terminal.giantStep = result.giantStep;
  return terminal;
}
