// Recurring sweeps as Temporal Schedules: each firing starts a sweep workflow with the stored
// spec; a firing that comes while the previous sweep still runs is skipped (overlap SKIP), so a
// slow nightly sweep never piles up.
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, ServiceError, type Client, type ScheduleSummary } from '@temporalio/client';
import { WORKFLOW_TASK_TIMEOUT_MS, type SweepInput } from '../workflows/types.js';
import { specHash } from '../core/spec-hash.js';
import { SCHEDULE_NAME_PATTERN } from './ids.js';
import { firstLine } from '../core/error-message.js';

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

/** A schedule of that name exists already. */
export class ScheduleExistsError extends Error {
  constructor(readonly scheduleName: string, options?: ErrorOptions) {
    super(`schedule "${scheduleName}" already exists (delete it first)`, options);
  }
}

/** Temporal refused the cron expression (the message says why). */
export class ScheduleCronError extends Error {}

/** No schedule of that name. */
export class ScheduleNotFound extends Error {}

/** gRPC status INVALID_ARGUMENT (grpc-js is not a dependency of ours) */
const GRPC_INVALID_ARGUMENT = 3;

/** gRPC status code under a Temporal ServiceError (undefined for other errors). */
function grpcCode(err: unknown): number | undefined {
  const code = err instanceof ServiceError ? (err.cause as { code?: unknown } | undefined)?.code : undefined;
  return typeof code === 'number' ? code : undefined;
}

export function checkScheduleName(name: string): string {
  if (!SCHEDULE_NAME_PATTERN.test(name)) {
    throw new ScheduleNameError(`schedule name "${name}": use letters, digits, '-' or '_' (at most 63, starting with a letter or digit)`);
  }
  return name;
}

export async function createSchedule(client: Client, taskQueue: string, name: string, cron: string, input: SweepInput, sweepName: string): Promise<void> {
  checkScheduleName(name);
  try {
    await client.schedule.create({
      scheduleId: name,
      spec: { cronExpressions: [cron] },
      // each firing gets its own id (<name>-<time>, Temporal's), the spec hash in its memo
      action: {
        type: 'startWorkflow', workflowType: 'sweepWorkflow', taskQueue, args: [input], workflowId: name,
        workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT_MS, memo: { specHash: specHash(input.spec) },
      },
      // A firing missed while Temporal was briefly down still runs if it is at most an hour late.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
      memo: { cron, sweepName },
    });
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) throw new ScheduleExistsError(name, { cause: err });
    // The SDK turns the server's "invalid schedule spec" into a TypeError; the spec holds only the cron.
    if (err instanceof TypeError || grpcCode(err) === GRPC_INVALID_ARGUMENT) throw new ScheduleCronError(firstLine(err), { cause: err });
    throw err;
  }
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
    if (err instanceof ScheduleNotFoundError) throw new ScheduleNotFound(`no schedule named "${name}"`, { cause: err });
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
    if (err instanceof ScheduleNotFoundError) throw new ScheduleNotFound(`no schedule named "${name}"`, { cause: err });
    throw err;
  }
}

export async function triggerSchedule(client: Client, name: string): Promise<void> {
  checkScheduleName(name);
  try {
    await client.schedule.getHandle(name).trigger(ScheduleOverlapPolicy.SKIP);
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw new ScheduleNotFound(`no schedule named "${name}"`, { cause: err });
    throw err;
  }
}
