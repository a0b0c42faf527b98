// The sweep workflow: a thin adapter around the scheduler (core/scheduler), in the sliding-window
// style of Temporal's batch samples. Planning (grid expansion, search strategies) runs in
// activities, which store the plans in pages; the scheduler keeps only counters, the current
// page and the ids of trials in flight, and its snapshot is what a run hands to the next.
// Trials run as child workflows, at most `parallelism` at once (capped at MAX_IN_FLIGHT, well
// under Temporal's 2,000 pending children). A run learns a trial's end from the child's
// completion; before it continues as new, it asks the trials still running to report to the
// next run by signal. Children outlive the hand-over (ParentClosePolicy ABANDON), so a run can
// hand over at any time and the sweep's history stays bounded whatever the number of trials.
// Packs of trials (execution.pack) run as runTrialPack activities of the run itself: a run
// drains them (starts no more, waits for those in flight) before it continues as new.
import {
  CancellationScope, ParentClosePolicy, allHandlersFinished, condition, getExternalWorkflowHandle,
  isCancellation, makeContinueAsNewFunc, patched, proxyActivities, setHandler, startChild, workflowInfo, ChildWorkflowFailure,
} from '@temporalio/workflow';
import type { TrialConfig } from '../core/config/trial.js';
import { Scheduler } from '../core/scheduler/scheduler.js';
import type { TrialPlan } from '../core/search/strategy.js';
import type { AnyTrialConfig } from '../core/config/command-trial.js';
import { errorMessage } from '../core/error-message.js';
import { pauseSignal, progressQuery, reportBySignal, resumeSignal, trialDoneSignal } from './definitions.js';
import { trialWorkflow } from './trial.js';
import { packWorkflow } from './pack.js';
import { runPack } from './pack-run.js';
import {
  DEFAULT_MAX_TRIALS_PER_RUN, NON_RETRYABLE_TYPES, WORKFLOW_TASK_TIMEOUT_MS, childWorkflowId, packWorkflowId, type PlanInfo, type SweepActivities, type SweepCarry,
  type SweepInput, type SweepProgress, type SweepResult, type SweepState, type TrialDone,
} from './types.js';

/** Most trials in flight at once, whatever the spec asks (Temporal's pending-children limit is 2,000). */
export const MAX_IN_FLIGHT = 500;

export async function sweepWorkflow(input: SweepInput): Promise<SweepResult> {
  const sweepId = workflowInfo().workflowId;
  const o = input.options ?? {};
  const maxPerRun = o.maxTrialsPerRun ?? DEFAULT_MAX_TRIALS_PER_RUN;
  const maxEvents = o.maxHistoryEvents ?? 8000;
  const planning = proxyActivities<SweepActivities>({
    startToCloseTimeout: 10 * 60_000,
    // the planning activities heartbeat (activities/heartbeats.ts): a killed worker's attempt is
    // retried after this, not after the whole start-to-close timeout
    heartbeatTimeout: 30_000,
    retry: { maximumAttempts: 10, initialInterval: 1000, maximumInterval: 60_000, nonRetryableErrorTypes: NON_RETRYABLE_TYPES },
  });
  const analysis = proxyActivities<SweepActivities>({
    startToCloseTimeout: 6 * 3600_000,
    heartbeatTimeout: 5 * 60_000,
    retry: { maximumAttempts: 5, initialInterval: 5000, maximumInterval: 5 * 60_000, nonRetryableErrorTypes: NON_RETRYABLE_TYPES },
  });

  // ---- state (carried across continue-as-new): the scheduler's snapshot and the workflow's own ----
  const carried = input.carry;
  let plan: Pick<SweepCarry, 'name' | 'execution'> | undefined = carried;
  const scheduler = new Scheduler<TrialPlan<AnyTrialConfig>>(carried);
  let paused = carried?.paused ?? false;
  const runs = (carried?.runs ?? 0) + 1;
  // The first run's start, so a sweep's duration spans every run (not only the latest one).
  const startedAt = carried?.startedAt ?? workflowInfo().runStartTime.getTime();
  let state: SweepState = carried ? 'running' : 'planning';

  // ---- this run only ----
  let startedThisRun = 0;
  /** children whose start command is not acknowledged yet */
  let starting = 0;
  /** trials this run started (their end reaches this run as the child's completion) */
  const ownChildren = new Set<string>();
  // ---- packs (execution.pack): trials that train together run as one pack activity (or, in
  // runs recorded before 'pack-activities', one pack child workflow) ----
  /** workflow id of the pack each packed trial in flight runs in (carried across continue-as-new) */
  const packOf = new Map<string, string>(Object.entries(carried?.packOf ?? {}));
  /** the held page's pack layout: positions in the round where each pack ends */
  let layout: { round: number; ends: number[] } | undefined;
  /** decided once the execution is known; sweeps planned without `pack` (older histories) never pack */
  let packing = false;
  /**
   * packs run as runTrialPack activities of this run (not pack child workflows): a child
   * workflow per pack cost more dispatch latency than the pack's training. Runs recorded before
   * the patch started pack children, and replay that way.
   */
  let packActivities = false;
  const decidePacking = () => {
    const pack = plan?.execution.pack;
    packing = pack !== undefined && pack !== 'off' && patched('trial-packs');
    packActivities = packing && patched('pack-activities');
  };
  /** members of this run's pack activities in flight (activities end with their run: never handed over) */
  const activityMembers = new Set<string>();
  /** this run's pack activities in flight */
  let packsRunning = 0;
  /** trials left in the pack at the scheduler's position (undefined: its page's layout is not held) */
  const packRemaining = (): number | undefined => {
    if (!layout || layout.round !== scheduler.roundNumber) return undefined;
    const at = scheduler.position;
    const end = layout.ends.find((e) => e > at);
    return end === undefined ? undefined : end - at;
  };
  /** a pack counts all its members against the window: start it only when they all fit */
  const packFits = () => {
    if (!packing) return true;
    const r = packRemaining();
    return r === undefined || scheduler.inFlightCount === 0 || scheduler.inFlightCount + r <= parallelism();
  };

  const parallelism = () => Math.min(plan?.execution.parallelism ?? 1, MAX_IN_FLIGHT);
  const progress = (): SweepProgress => ({
    sweepId,
    name: plan?.name ?? '',
    state: paused && state === 'running' ? 'paused' : state,
    planned: scheduler.planned,
    searchDone: scheduler.searchDone,
    started: scheduler.started,
    finished: scheduler.finished,
    counts: scheduler.counts,
    inFlight: scheduler.inFlightCount,
    running: scheduler.inFlightIds.slice(0, 100),
    parallelism: parallelism(),
    round: scheduler.roundNumber,
    runs,
    startedAt,
  });
  // Every trial's end, by completion or by signal, goes the same way; a trial can report twice
  // (its completion and a signal asked for at a hand-over) and the scheduler counts it once.
  const finish = (d: TrialDone) => {
    scheduler.onDone(d);
    packOf.delete(d.trialId);
  };

  setHandler(progressQuery, progress);
  setHandler(pauseSignal, () => { paused = true; });
  setHandler(resumeSignal, () => { paused = false; });
  setHandler(trialDoneSignal, finish);

  const startTrial = (p: TrialPlan<AnyTrialConfig>) => {
    ownChildren.add(p.id);
    startedThisRun++;
    starting++;
    startChild(trialWorkflow, {
      workflowId: childWorkflowId(sweepId, p.id),
      args: [{ sweepId, parentId: sweepId, trialId: p.id, config: p.config, execution: plan!.execution, options: o }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      // a trial's workflow tasks wait on the same loaded worker as the sweep's (10 s by default)
      workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT_MS,
    }).then(
      (handle) => {
        starting--;
        handle.result().then(finish, (err) => finish(doneFromError(p.id, err)));
      },
      (err) => {
        starting--;
        finish({ trialId: p.id, outcome: 'failed', step: 0, attempt: 0, error: `could not start the trial workflow: ${errorMessage(err)}` });
      },
    );
  };

  /** several trials as one pack child workflow; it returns (or signals) one TrialDone per member */
  const startPack = (batch: TrialPlan<AnyTrialConfig>[]) => {
    const workflowId = packWorkflowId(sweepId, batch[0].id);
    for (const p of batch) {
      ownChildren.add(p.id);
      packOf.set(p.id, workflowId);
    }
    startedThisRun += batch.length;
    starting++;
    const members = batch.map((p) => ({ trialId: p.id, config: p.config as TrialConfig }));
    startChild(packWorkflow, {
      workflowId,
      args: [{ sweepId, parentId: sweepId, members, execution: plan!.execution, options: o }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT_MS,
    }).then(
      (handle) => {
        starting--;
        handle.result().then((ends) => { for (const d of ends) finish(d); }, (err) => { for (const p of batch) finish(doneFromError(p.id, err)); });
      },
      (err) => {
        starting--;
        for (const p of batch) finish({ trialId: p.id, outcome: 'failed', step: 0, attempt: 0, error: `could not start the pack workflow: ${errorMessage(err)}` });
      },
    );
  };
  /**
   * several trials as one runTrialPack activity of this run; its members end with the activity
   * (cancelled with this run's scope: the unfinished ones are stored and counted as cancelled)
   */
  const startPackActivity = (batch: TrialPlan<AnyTrialConfig>[]) => {
    for (const p of batch) activityMembers.add(p.id);
    startedThisRun += batch.length;
    packsRunning++;
    const members = batch.map((p) => ({ trialId: p.id, config: p.config as TrialConfig }));
    const ended = (ends: TrialDone[]) => {
      packsRunning--;
      for (const p of batch) activityMembers.delete(p.id);
      for (const d of ends) finish(d);
    };
    runPack({ sweepId, members, execution: plan!.execution, options: o }).then(ended,
      (err) => ended(batch.map((p) => doneFromError(p.id, err))));
  };
  /** the workflow ids of trials in flight (a pack's members share one); pack activities' members have none */
  const workflowIdsOf = (ids: string[]) => [...new Set(ids.filter((id) => !activityMembers.has(id)).map((id) => packOf.get(id) ?? childWorkflowId(sweepId, id)))];

  /** the window has room, the round has trials left, and this run may start more */
  const canStart = () => !paused && scheduler.inFlightCount < parallelism() && scheduler.unstarted > 0 && startedThisRun < maxPerRun && packFits();
  const historyFull = () => startedThisRun >= maxPerRun || workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > maxEvents;
  /** asks the search (the planning activity) for the round the scheduler needs */
  const planRound = async () => {
    const info: PlanInfo = await planning.planRound({ sweepId, spec: input.spec, round: scheduler.askRound() });
    scheduler.addRound(info);
    return info;
  };

  try {
    // The preflight (the spec's coord check) before the first page is planned; a failing one
    // fails the sweep. Sweeps without a preflight section schedule nothing (replays unchanged).
    if (!plan && hasPreflight(input.spec)) await planning.coordCheckPreflight({ sweepId, spec: input.spec, skip: !!o.skipPreflight });
    if (!plan) {
      const p = await planRound();
      plan = { name: p.name, execution: p.execution };
      state = 'running';
    }
    decidePacking();
    for (;;) {
      // Fill the window: read the page holding the next trial when it is not held, start trials.
      while (canStart()) {
        const page = scheduler.needsPage;
        if (page !== undefined && packing) {
          // the page laid out in packs, each pack's members next to each other
          const round = scheduler.roundNumber;
          const packed = await planning.planPackedPage({ sweepId, round, page, parallelism: parallelism() });
          scheduler.supply(page, packed.plans);
          let end = page * scheduler.pageSize;
          layout = { round, ends: packed.sizes.map((n) => (end += n)) };
          continue;
        }
        if (page !== undefined) {
          scheduler.supply(page, await planning.planPage({ sweepId, round: scheduler.roundNumber, page }));
          continue; // state may have changed while the page was read
        }
        if (packing) {
          const batch = scheduler.next(parallelism(), Math.min(packRemaining() ?? 1, maxPerRun - startedThisRun));
          if (batch.length > 1 && packActivities) startPackActivity(batch);
          else if (batch.length > 1) startPack(batch);
          else for (const p of batch) startTrial(p);
          continue;
        }
        for (const p of scheduler.next(parallelism(), maxPerRun - startedThisRun)) startTrial(p);
      }
      if (scheduler.done) break;
      // Adaptive searches: ask for more once this round is under way and something finished
      // since the last ask (the strategy sees every result stored by then).
      if (starting === 0 && scheduler.needsRound) {
        await planRound();
        continue;
      }
      if (historyFull() && scheduler.hasMore) {
        // Hand over to a fresh run once every child we started has been created and told to
        // report by signal (a child that already ended has its completion in this run), and no
        // handler is mid-way; trials in flight keep running and report to the next run.
        // Pack activities cannot outlive this run: no more packs start (the window is not
        // refilled), and those in flight finish here first (drain).
        await condition(() => starting === 0 && packsRunning === 0);
        const tell = scheduler.inFlightIds.filter((id) => ownChildren.has(id));
        const ended: string[] = [];
        if (packOf.size === 0) {
          await Promise.all(tell.map((id) => getExternalWorkflowHandle(childWorkflowId(sweepId, id)).signal(reportBySignal)
            .catch(() => { ended.push(id); })));
        } else {
          // a pack is told once; if it already ended, its members' ends are in this run
          await Promise.all(workflowIdsOf(tell).map((wid) => getExternalWorkflowHandle(wid).signal(reportBySignal)
            .catch(() => { ended.push(...tell.filter((id) => (packOf.get(id) ?? childWorkflowId(sweepId, id)) === wid)); })));
        }
        await condition(() => ended.every((id) => !scheduler.isInFlight(id)) && allHandlersFinished());
        const snapshot = scheduler.snapshot();
        const carry: SweepCarry = {
          ...snapshot, round: snapshot.round!, name: plan.name, execution: plan.execution, paused, runs, startedAt,
          ...(packOf.size ? { packOf: Object.fromEntries([...packOf].filter(([id]) => scheduler.isInFlight(id))) } : {}),
        };
        // The memo (spec hash, first start) and the task timeout go on to the next run explicitly.
        return await makeContinueAsNewFunc<typeof sweepWorkflow>({
          memo: { ...workflowInfo().memo, startedAt },
          workflowTaskTimeout: Math.max(workflowInfo().taskTimeoutMs, WORKFLOW_TASK_TIMEOUT_MS),
        })({ spec: input.spec, options: o, carry });
      }
      const before = { inFlight: scheduler.inFlightCount, paused };
      await condition(() => scheduler.inFlightCount !== before.inFlight || paused !== before.paused || starting === 0 && canStart());
    }

    state = 'analyzing';
    const info = await analysis.analyzeSweep({ sweepId, spec: input.spec });
    state = 'completed';
    return {
      sweepId, name: plan.name, planned: scheduler.planned, finished: scheduler.finished, counts: scheduler.counts, runs, analysis: info, startedAt,
    };
  } catch (err) {
    if (!isCancellation(err)) throw err;
    state = 'cancelling';
    await CancellationScope.nonCancellable(async () => {
      // Children started by earlier runs are not in this run's cancellation scope: cancel them by id.
      await Promise.all(workflowIdsOf(scheduler.inFlightIds).map((wid) => getExternalWorkflowHandle(wid).cancel().catch(() => undefined)));
      await condition(() => scheduler.inFlightCount === 0 && starting === 0, o.cancelGraceMs ?? 10 * 60_000);
    });
    throw err;
  }
}

function hasPreflight(spec: unknown): boolean {
  const p = (spec as { preflight?: { coordCheck?: unknown } } | null)?.preflight;
  return typeof p === 'object' && p !== null && p.coordCheck !== undefined;
}

function doneFromError(trialId: string, err: unknown): TrialDone {
  if (isCancellation(err) || (err instanceof ChildWorkflowFailure && isCancellation(err.cause))) {
    return { trialId, outcome: 'cancelled', step: 0, attempt: 0 };
  }
  const cause = err instanceof ChildWorkflowFailure && err.cause ? err.cause : err;
  return { trialId, outcome: 'failed', step: 0, attempt: 0, error: errorMessage(cause) };
}
