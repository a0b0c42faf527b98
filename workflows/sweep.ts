// The sweep workflow. Planning (grid expansion, search strategies) runs in activities, which
// store the plans in pages; the workflow keeps only counters and the ids of trials in flight.
// Trials run as child workflows, at most `parallelism` at once (capped at MAX_IN_FLIGHT, well
// under Temporal's 2,000 pending children). A run learns a trial's end from the child's
// completion; before it continues as new, it asks the trials still running to report to the
// next run by signal. Children outlive the hand-over (ParentClosePolicy ABANDON), so a run can
// hand over at any time and the sweep's history stays bounded whatever the number of trials.
import {
  CancellationScope, ParentClosePolicy, allHandlersFinished, condition, continueAsNew, getExternalWorkflowHandle,
  isCancellation, proxyActivities, setHandler, startChild, workflowInfo, ChildWorkflowFailure,
} from '@temporalio/workflow';
import type { TrialPlan } from '../core/search/strategy.js';
import { pauseSignal, progressQuery, reportBySignal, resumeSignal, trialDoneSignal } from './definitions.js';
import { trialWorkflow } from './trial.js';
import {
  NON_RETRYABLE_TYPES, childWorkflowId, type OutcomeCounts, type PlanInfo, type SweepActivities, type SweepCarry,
  type SweepInput, type SweepProgress, type SweepResult, type SweepState, type TrialDone,
} from './types.js';

/** Most trials in flight at once, whatever the spec asks (Temporal's pending-children limit is 2,000). */
export const MAX_IN_FLIGHT = 500;

export async function sweepWorkflow(input: SweepInput): Promise<SweepResult> {
  const sweepId = workflowInfo().workflowId;
  const o = input.options ?? {};
  const maxPerRun = o.maxTrialsPerRun ?? 500;
  const maxEvents = o.maxHistoryEvents ?? 8000;
  const planning = proxyActivities<SweepActivities>({
    startToCloseTimeout: 10 * 60_000,
    retry: { maximumAttempts: 10, initialInterval: 1000, maximumInterval: 60_000, nonRetryableErrorTypes: NON_RETRYABLE_TYPES },
  });
  const analysis = proxyActivities<SweepActivities>({
    startToCloseTimeout: 6 * 3600_000,
    heartbeatTimeout: 5 * 60_000,
    retry: { maximumAttempts: 5, initialInterval: 5000, maximumInterval: 5 * 60_000, nonRetryableErrorTypes: NON_RETRYABLE_TYPES },
  });

  // ---- state (carried across continue-as-new) ----
  const carried = input.carry;
  let plan: Pick<SweepCarry, 'name' | 'execution' | 'round'> | undefined = carried;
  let next = carried?.next ?? 0;
  let plannedBefore = carried?.plannedBefore ?? 0;
  const inFlight = new Set<string>(carried?.inFlight ?? []);
  let started = carried?.started ?? 0;
  const counts: OutcomeCounts = carried?.counts ?? { succeeded: 0, diverged: 0, failed: 0, cancelled: 0 };
  let paused = carried?.paused ?? false;
  let finishedAtAsk = carried?.finishedAtAsk ?? 0;
  const runs = (carried?.runs ?? 0) + 1;
  let state: SweepState = carried ? 'running' : 'planning';

  // ---- this run only ----
  let startedThisRun = 0;
  let starting = 0;
  let page: { start: number; plans: TrialPlan[] } | undefined;

  const finished = () => counts.succeeded + counts.diverged + counts.failed + counts.cancelled;
  const parallelism = () => Math.min(plan?.execution.parallelism ?? 1, MAX_IN_FLIGHT);
  const progress = (): SweepProgress => ({
    sweepId,
    name: plan?.name ?? '',
    state: paused && state === 'running' ? 'paused' : state,
    planned: plannedBefore + (plan?.round.count ?? 0),
    searchDone: plan?.round.done ?? false,
    started,
    finished: finished(),
    counts: { ...counts },
    inFlight: inFlight.size,
    running: [...inFlight].slice(0, 100),
    parallelism: parallelism(),
    round: plan?.round.round ?? 0,
    runs,
  });
  /** trials this run started (their end reaches this run as the child's completion) */
  const ownChildren = new Set<string>();
  const finish = (d: TrialDone) => {
    // A trial can report twice (its completion and a signal asked for at a hand-over): count once.
    if (!inFlight.delete(d.trialId)) return;
    counts[d.outcome]++;
  };

  setHandler(progressQuery, progress);
  setHandler(pauseSignal, () => { paused = true; });
  setHandler(resumeSignal, () => { paused = false; });
  setHandler(trialDoneSignal, finish);

  const startTrial = (p: TrialPlan) => {
    inFlight.add(p.id);
    ownChildren.add(p.id);
    started++;
    startedThisRun++;
    starting++;
    startChild(trialWorkflow, {
      workflowId: childWorkflowId(sweepId, p.id),
      args: [{ sweepId, parentId: sweepId, trialId: p.id, config: p.config, execution: plan!.execution, options: o }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    }).then(
      (handle) => {
        starting--;
        handle.result().then(finish, (err) => finish(doneFromError(p.id, err)));
      },
      (err) => {
        starting--;
        finish({ trialId: p.id, outcome: 'failed', step: 0, attempt: 0, error: `could not start the trial workflow: ${(err as Error).message}` });
      },
    );
  };

  const canStart = () => !paused && inFlight.size < parallelism() && next < plan!.round.count && startedThisRun < maxPerRun;
  const historyFull = () => startedThisRun >= maxPerRun || workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > maxEvents;

  try {
    // The preflight (the spec's coord check) before the first page is planned; a failing one
    // fails the sweep. Sweeps without a preflight section schedule nothing (replays unchanged).
    if (!plan && hasPreflight(input.spec)) await planning.coordCheckPreflight({ sweepId, spec: input.spec, skip: !!o.skipPreflight });
    if (!plan) {
      const p: PlanInfo = await planning.planRound({ sweepId, spec: input.spec, round: 0 });
      plan = { name: p.name, execution: p.execution, round: { round: p.round, count: p.count, pageSize: p.pageSize, done: p.done } };
      state = 'running';
    }
    for (;;) {
      while (canStart()) {
        const round = plan.round;
        if (!page || next < page.start || next >= page.start + page.plans.length) {
          const index = Math.floor(next / round.pageSize);
          page = { start: index * round.pageSize, plans: await planning.planPage({ sweepId, round: round.round, page: index }) };
          if (!page.plans.length) throw new Error(`plan page ${index} of round ${round.round} is empty`);
          continue; // state may have changed while the page was read
        }
        startTrial(page.plans[next - page.start]);
        next++;
      }
      const allStarted = next >= plan.round.count && starting === 0;
      if (allStarted && plan.round.done && inFlight.size === 0) break;
      // Adaptive searches: ask for more once this round is under way and something finished
      // since the last ask (the strategy sees every result stored by then).
      if (allStarted && !plan.round.done && (finished() > finishedAtAsk || inFlight.size === 0)) {
        finishedAtAsk = finished();
        plannedBefore += plan.round.count;
        const r: PlanInfo = await planning.planRound({ sweepId, spec: input.spec, round: plan.round.round + 1 });
        // Nothing proposed, nothing running, not done: the strategy cannot go on; end here.
        const stuck = r.count === 0 && inFlight.size === 0 && starting === 0;
        plan = { ...plan, round: { round: r.round, count: r.count, pageSize: r.pageSize, done: r.done || stuck } };
        next = 0;
        page = undefined;
        continue;
      }
      if (historyFull() && (next < plan.round.count || !plan.round.done)) {
        // Hand over to a fresh run once every child we started has been created and told to
        // report by signal (a child that already ended has its completion in this run), and no
        // handler is mid-way; trials in flight keep running and report to the next run.
        await condition(() => starting === 0);
        const tell = [...inFlight].filter((id) => ownChildren.has(id));
        const ended: string[] = [];
        await Promise.all(tell.map((id) => getExternalWorkflowHandle(childWorkflowId(sweepId, id)).signal(reportBySignal)
          .catch(() => { ended.push(id); })));
        await condition(() => ended.every((id) => !inFlight.has(id)) && allHandlersFinished());
        const carry: SweepCarry = {
          name: plan.name, execution: plan.execution, round: plan.round, next, plannedBefore,
          inFlight: [...inFlight], started, counts, paused, runs, finishedAtAsk,
        };
        return await continueAsNew<typeof sweepWorkflow>({ spec: input.spec, options: o, carry });
      }
      const before = { inFlight: inFlight.size, paused };
      await condition(() => inFlight.size !== before.inFlight || paused !== before.paused || starting === 0 && canStart());
    }

    state = 'analyzing';
    const info = await analysis.analyzeSweep({ sweepId, spec: input.spec });
    state = 'completed';
    return {
      sweepId, name: plan.name, planned: plannedBefore + plan.round.count, finished: finished(), counts: { ...counts }, runs, analysis: info,
    };
  } catch (err) {
    if (!isCancellation(err)) throw err;
    state = 'cancelling';
    await CancellationScope.nonCancellable(async () => {
      // Children started by earlier runs are not in this run's cancellation scope: cancel them by id.
      await Promise.all([...inFlight].map((id) => getExternalWorkflowHandle(childWorkflowId(sweepId, id)).cancel().catch(() => undefined)));
      await condition(() => inFlight.size === 0 && starting === 0, o.cancelGraceMs ?? 10 * 60_000);
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
  return { trialId, outcome: 'failed', step: 0, attempt: 0, error: cause instanceof Error ? cause.message : String(cause) };
}
