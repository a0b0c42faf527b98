// A cluster sweep's preflight record (core/preflight's preflight.json) in SWEEP_PLANS beside its
// plans: written by the coordCheckPreflight activity, copied into every output folder built
// from the sweep (the final analysis and `sweep report` of a sweep that has not finished).
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { writeFileAtomic } from '../core/output/jsonl.js';
import { PREFLIGHT_FILE, type PreflightRecord } from '../core/preflight/run.js';
import { PlanStore } from './plans.js';

export const preflightObject = (sweepId: string) => `${sweepId}/${PREFLIGHT_FILE}`;

export async function readPreflightRecord(nc: NatsConnection, sweepId: string): Promise<PreflightRecord | undefined> {
  return (await PlanStore.open(nc)).getJson<PreflightRecord>(preflightObject(sweepId));
}

/** Writes the sweep's preflight record (if it has one) into an output folder. */
export async function writePreflightInto(nc: NatsConnection, sweepId: string, dir: string): Promise<boolean> {
  const rec = await readPreflightRecord(nc, sweepId);
  if (!rec) return false;
  await writeFileAtomic(join(dir, PREFLIGHT_FILE), `${JSON.stringify(rec, null, 2)}\n`);
  return true;
}
