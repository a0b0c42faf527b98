// The coordCheckPreflight activity: the spec's coord check (core/preflight) in the orchestrator
// worker, before the sweep workflow plans its first page. The record is kept next to the plans
// (SWEEP_PLANS, <sweepId>/preflight.json, store/preflight.ts) and goes into the sweep's output
// folder at analysis and in `sweep report`; a failing check is a non-retryable PreflightFailed
// failure, which fails the sweep.
import type { NatsConnection } from '@nats-io/transport-node';
import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import { coordCheckPlan } from '../core/preflight/plan.js';
import { failureLines, runCoordCheck, type PreflightRecord } from '../core/preflight/run.js';
import { testVariantsFromEnv } from '../core/preflight/test-variants.js';
import { trainerDataAccess } from '../core/tasks/file/data-roots.js';
import type { PreflightInfo } from '../workflows/types.js';
import { PlanStore, specObject } from '../store/plans.js';
import { preflightObject } from '../store/preflight.js';
import { resolveForCluster } from './planning.js';
import { isCommandSweep } from '../core/config/spec.js';

export function preflightActivities(nc: NatsConnection) {
  return {
    async coordCheckPreflight(input: { sweepId: string; spec: unknown; skip?: boolean }): Promise<PreflightInfo> {
      const resolved = resolveForCluster(input.spec);
      const store = await PlanStore.open(nc);
      const time = new Date().toISOString();
      // a command sweep has no preflight (its spec refuses the section)
      if (isCommandSweep(resolved) || !resolved.spec.preflight?.coordCheck) return { ran: false, skipped: false, ok: true, lines: [], durationMs: 0 };
      // The spec as well (planning round 0 stores the same): a sweep whose check fails still
      // has a report (`sweep report`: no trials, the coord check's verdicts).
      await store.putJson(specObject(input.sweepId), input.spec);
      if (input.skip) {
        const record: PreflightRecord = { coordCheck: null, skipped: true, time };
        await store.putJson(preflightObject(input.sweepId), record);
        return { ran: false, skipped: true, ok: true, lines: [], durationMs: 0 };
      }
      const plan = coordCheckPlan(resolved, undefined, testVariantsFromEnv());
      const result = await runCoordCheck(plan, { data: trainerDataAccess(), onProgress: (done, total) => heartbeat({ done, total }) });
      await store.putJson(preflightObject(input.sweepId), { coordCheck: result, skipped: false, time } satisfies PreflightRecord);
      const lines = failureLines(result);
      if (lines.length) throw ApplicationFailure.create({ type: 'PreflightFailed', message: lines.join('\n'), nonRetryable: true, details: [lines] });
      return { ran: true, skipped: false, ok: true, lines, durationMs: result.durationMs };
    },
  };
}
