// Temporal worker options of the orchestrator beyond the SDK's defaults. A sweep's trial is a
// child workflow: its first workflow task arrives on the task queue itself (not the worker's
// sticky queue), so the share of pollers on that queue bounds how fast trials start.
import type { WorkerOptions } from '@temporalio/worker';

/** The worker options a benchmark may set over the tuned defaults. */
export type WorkerTuning = Pick<WorkerOptions,
  'maxConcurrentWorkflowTaskExecutions' | 'maxConcurrentWorkflowTaskPolls' | 'nonStickyToStickyPollRatio' |
  'maxConcurrentActivityTaskPolls' | 'maxCachedWorkflows' | 'stickyQueueScheduleToStartTimeout' | 'workflowThreadPoolSize'>;

/** The defaults for a worker that runs at most `maxTrials` trial attempts at once, then `over`. */
export function workerTuning(_maxTrials: number, over: WorkerTuning = {}): WorkerTuning {
  return { ...over };
}
