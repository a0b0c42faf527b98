// Messages between the embedded runner and its worker processes (Node IPC, JSON).
import type { BackendConfig, TrialConfig } from '../../core/config/trial.js';
import type { BusMessage } from '../../core/messages.js';
import type { TrialResult } from '../../core/outcome.js';
import type { DataAccess } from '../../core/tasks/file/data-roots.js';

export interface TrialJob {
  sweepId: string;
  trialId: string;
  attempt: number;
  config: TrialConfig;
}

/** Runner → worker: run one trial (the worker initialises `backend` before its first trial). */
export interface RunRequest {
  type: 'run';
  backend: BackendConfig;
  /** folders a `file` task may read, and the folder relative paths mean */
  data: DataAccess;
  job: TrialJob;
}

/** Worker → runner: a metric or lifecycle message of the running trial. */
export interface BusReport {
  type: 'bus';
  message: BusMessage;
}

/** Worker → runner: the trial ended with this result. */
export interface ResultReport {
  type: 'result';
  result: TrialResult;
}

export type WorkerReport = BusReport | ResultReport;
