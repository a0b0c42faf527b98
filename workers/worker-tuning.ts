// Temporal worker options a benchmark may set on the orchestrator worker over the SDK's
// defaults, to measure an alternative (bench:temporal-dispatch --tuning). The orchestrator keeps
// the SDK's defaults: the alternative measured, more pollers on the task queue than on the
// sticky queue, dispatched no faster (docs/benchmarks.md).
import type { WorkerOptions } from '@temporalio/worker';

export type WorkerTuning = Pick<WorkerOptions,
  'maxConcurrentWorkflowTaskExecutions' | 'maxConcurrentWorkflowTaskPolls' | 'nonStickyToStickyPollRatio' |
  'maxConcurrentActivityTaskPolls' | 'maxCachedWorkflows' | 'stickyQueueScheduleToStartTimeout' | 'workflowThreadPoolSize'>;
