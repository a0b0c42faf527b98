// The embedded sweep's preflight: the spec's coord check (core/preflight) run in this process
// before any trial. The result, or the user's `--skip-preflight`, is kept in preflight.json of
// the output folder; a failing check throws PreflightFailed and no trial runs.
import { join } from 'node:path';
import type { ResolvedSweep } from '../../core/config/spec.js';
import { writeFileAtomic } from '../../core/output/jsonl.js';
import { coordCheckPlan } from '../../core/preflight/plan.js';
import { assertPassed, describeResult, PREFLIGHT_FILE, runCoordCheck, type PreflightRecord } from '../../core/preflight/run.js';
import { testVariantsFromEnv } from '../../core/preflight/test-variants.js';
import type { DataAccess } from '../../core/tasks/file/data-roots.js';

export interface PreflightOptions {
  /** `--skip-preflight` */
  skipPreflight?: boolean;
  data?: DataAccess;
  progress: { log(line: string): void };
}

export async function writePreflightRecord(dir: string, record: PreflightRecord): Promise<void> {
  await writeFileAtomic(join(dir, PREFLIGHT_FILE), `${JSON.stringify(record, null, 2)}\n`);
}

/** Runs the spec's preflight into `dir`; nothing when the spec has none. */
export async function preflightGate(resolved: ResolvedSweep, dir: string, opts: PreflightOptions): Promise<PreflightRecord | null> {
  if (!resolved.spec.preflight?.coordCheck) return null;
  const time = new Date().toISOString();
  if (opts.skipPreflight) {
    const record: PreflightRecord = { coordCheck: null, skipped: true, time };
    await writePreflightRecord(dir, record);
    opts.progress.log('note: --skip-preflight: the coord check did not run (recorded in preflight.json)');
    return record;
  }
  const result = await runCoordCheck(coordCheckPlan(resolved, undefined, testVariantsFromEnv()), { data: opts.data });
  const record: PreflightRecord = { coordCheck: result, skipped: false, time };
  await writePreflightRecord(dir, record);
  if (result.ok) for (const line of describeResult(result)) opts.progress.log(line);
  assertPassed(result);
  return record;
}
