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

/**
 * Runner → worker: run these trials as one pack (core/train/packed/run-pack.ts). The worker
 * streams every member's messages as for one trial and then sends one `result` per member, in
 * member order.
 */
export interface PackRequest {
  type: 'pack';
  backend: BackendConfig;
  data: DataAccess;
  jobs: TrialJob[];
}

export type WorkerRequest = RunRequest | PackRequest;

/** Worker → runner: a metric or lifecycle message of the running trial (of a pack: of one member). */
export interface BusReport {
  type: 'bus';
  message: BusMessage;
}

/** Worker → runner: the trial (of a pack: the next member in order) ended with this result. */
export interface ResultReport {
  type: 'result';
  result: TrialResult;
}

export type WorkerReport = BusReport | ResultReport;
