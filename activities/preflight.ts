// The coordCheckPreflight activity: the spec's coord check (core/preflight) in the orchestrator
// worker, before the sweep workflow plans its first page. The record is kept next to the plans
// (SWEEP_PLANS, <sweepId>/preflight.json) and goes into the sweep's output folder at analysis; a
// failing check is a non-retryable PreflightFailed failure, which fails the sweep.
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import { writeFileAtomic } from '../core/output/jsonl.js';
import { coordCheckPlan } from '../core/preflight/plan.js';
import { failureLines, PREFLIGHT_FILE, runCoordCheck, type PreflightRecord } from '../core/preflight/run.js';
import { testVariantsFromEnv } from '../core/preflight/test-variants.js';
import { trainerDataAccess } from '../core/tasks/file/data-roots.js';
import type { PreflightInfo } from '../workflows/types.js';
import { PlanStore } from '../store/plans.js';
import { resolveForCluster } from './planning.js';

export const preflightObject = (sweepId: string) => `${sweepId}/${PREFLIGHT_FILE}`;

/** Writes the sweep's preflight record (if it has one) into an output folder. */
export async function writePreflightInto(nc: NatsConnection, sweepId: string, dir: string): Promise<boolean> {
  const rec = await (await PlanStore.open(nc)).getJson<PreflightRecord>(preflightObject(sweepId));
  if (!rec) return false;
  await writeFileAtomic(join(dir, PREFLIGHT_FILE), `${JSON.stringify(rec, null, 2)}\n`);
  return true;
}

export function preflightActivities(nc: NatsConnection) {
  return {
    async coordCheckPreflight(input: { sweepId: string; spec: unknown; skip?: boolean }): Promise<PreflightInfo> {
      const resolved = resolveForCluster(input.spec);
      const store = await PlanStore.open(nc);
      const time = new Date().toISOString();
      if (!resolved.spec.preflight?.coordCheck) return { ran: false, skipped: false, ok: true, lines: [], durationMs: 0 };
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
