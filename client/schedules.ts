// Recurring sweeps as Temporal Schedules: each firing starts a sweep workflow with the stored
// spec; a firing that comes while the previous sweep still runs is skipped (overlap SKIP), so a
// slow nightly sweep never piles up.
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleSummary } from '@temporalio/client';
import type { SweepInput } from '../workflows/types.js';
import { SCHEDULE_NAME_PATTERN } from './ids.js';

export interface ScheduleInfo {
  name: string;
  cron?: string;
  sweepName?: string;
  paused: boolean;
  nextRuns: Date[];
  /** sweep ids started by the most recent firings (oldest first) */
  recentSweeps: string[];
  /** firings that started a sweep, and firings skipped because the previous sweep still ran (describe only) */
  actionsTaken?: number;
  skippedOverlap?: number;
}

export class ScheduleNameError extends Error {}

export function checkScheduleName(name: string): string {
  if (!SCHEDULE_NAME_PATTERN.test(name)) {
    throw new ScheduleNameError(`schedule name "${name}": use letters, digits, '-' or '_' (at most 63, starting with a letter or digit)`);
  }
  return name;
}

export async function createSchedule(client: Client, taskQueue: string, name: string, cron: string, input: SweepInput, sweepName: string): Promise<void> {
  checkScheduleName(name);
  await client.schedule.create({
    scheduleId: name,
    spec: { cronExpressions: [cron] },
    action: { type: 'startWorkflow', workflowType: 'sweepWorkflow', taskQueue, args: [input], workflowId: name },
    // A firing missed while Temporal was briefly down still runs if it is at most an hour late.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
    memo: { cron, sweepName },
  });
}

function toInfo(s: ScheduleSummary): ScheduleInfo {
  const memo = (s.memo ?? {}) as { cron?: string; sweepName?: string };
  return {
    name: s.scheduleId,
    ...(memo.cron ? { cron: memo.cron } : {}),
    ...(memo.sweepName ? { sweepName: memo.sweepName } : {}),
    paused: s.state.paused,
    nextRuns: s.info.nextActionTimes,
    recentSweeps: s.info.recentActions.map((a) => a.action.workflow.workflowId),
  };
}

export async function listSchedules(client: Client): Promise<ScheduleInfo[]> {
  const out: ScheduleInfo[] = [];
  for await (const s of client.schedule.list()) out.push(toInfo(s));
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export async function describeSchedule(client: Client, name: string): Promise<ScheduleInfo> {
  let d;
  try {
    d = await client.schedule.getHandle(name).describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw new Error(`no schedule named "${name}"`, { cause: err });
    throw err;
  }
  return {
    ...toInfo({ ...d, info: { recentActions: d.info.recentActions, nextActionTimes: d.info.nextActionTimes } } as ScheduleSummary),
    actionsTaken: d.info.numActionsTaken,
    skippedOverlap: d.info.numActionsSkippedOverlap,
  };
}

export async function deleteSchedule(client: Client, name: string): Promise<void> {
  try {
    await client.schedule.getHandle(name).delete();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw new Error(`no schedule named "${name}"`, { cause: err });
    throw err;
  }
}

export async function triggerSchedule(client: Client, name: string): Promise<void> {
  await client.schedule.getHandle(name).trigger(ScheduleOverlapPolicy.SKIP);
}
