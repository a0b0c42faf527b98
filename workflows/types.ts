// Types shared by the workflows, the activities and the client. Type-only: the workflow bundle
// must not pull activity or I/O code in.
import type { Execution, KubernetesExecution } from '../core/config/execution.js';
import type { AnyTrialConfig } from '../core/config/command-trial.js';
import type { CommandTrainer } from '../core/config/trainer.js';
import type { Outcome } from '../core/outcome.js';
import type { OutcomeCounts, RoundInfo, SchedulerSnapshot } from '../core/scheduler/scheduler.js';
import type { TrialPlan } from '../core/search/strategy.js';
import type { TrialConfig } from '../core/config/trial.js';
import type { PackedPage } from '../core/scheduler/pack-layout.js';

export type { OutcomeCounts, RoundInfo } from '../core/scheduler/scheduler.js';

/** Task queue the orchestrator worker polls unless configured otherwise. */
export const DEFAULT_TASK_QUEUE = 'sweeps';

/**
 * Workflow-task timeout of every sweep run (Temporal's default is 10 s). A worker that restarts
 * replays the current run's history in one workflow task; on a loaded 2-core host a run of
 * ~2,000 events took 19 s, so the runs are kept shorter (maxTrialsPerRun) and the timeout large.
 */
export const WORKFLOW_TASK_TIMEOUT_MS = 60_000;

/** Trials one workflow run starts before it continues as new (bounds its history, see above). */
export const DEFAULT_MAX_TRIALS_PER_RUN = 200;

/** What a sweep workflow carries in its memo (set at submission, handed on at continue-as-new). */
export interface SweepMemo {
  /** specHash of the submitted spec document (core/spec-hash.ts) */
  specHash?: string;
  /** when the sweep's first run started, ms since the epoch */
  startedAt?: number;
}

/** Knobs of a cluster run that are not part of the spec (worker-side timing, history bounds). */
export interface SweepOptions {
  /** a trial attempt that sends no heartbeat for this long is retried elsewhere (default 30 s) */
  heartbeatTimeoutMs?: number;
  /** longest a single trial attempt may run (default 24 h) */
  trialTimeoutMs?: number;
  /** first retry delay of a trial attempt; doubles per attempt up to 5 min (default 5 s) */
  retryInitialIntervalMs?: number;
  /** trials started by one workflow run before it continues as new (default 200) */
  maxTrialsPerRun?: number;
  /** history events of one run after which it continues as new, besides the server's hint (default 8,000) */
  maxHistoryEvents?: number;
  /** how long a cancelled sweep waits for its running trials to stop (default 10 min) */
  cancelGraceMs?: number;
  /** run without the spec's coord check (`sweep submit --skip-preflight`; recorded with the plans) */
  skipPreflight?: boolean;
}

export interface ExecutionPlan {
  parallelism: number;
  executor: string;
  maxAttempts: number;
  kubernetes?: KubernetesExecution;
  /** a command-trainer sweep's program and its limits; absent for the built-in trainer (older histories replay unchanged) */
  trainer?: CommandTrainerPlan;
  /** the spec's execution.pack; absent in older histories, which train every trial alone */
  pack?: Execution['pack'];
}

/** What the executors need of a spec's command trainer (its params are in each trial's config). */
export type CommandTrainerPlan = Pick<CommandTrainer, 'command' | 'timeoutSeconds' | 'killAfterSeconds'>;

export interface PlanInfo extends RoundInfo {
  name: string;
  execution: ExecutionPlan;
}

/**
 * State carried from one run of the sweep workflow to the next (continue-as-new): the
 * scheduler's snapshot (its round, the next trial to start, trials in flight, counts) and what
 * the workflow keeps itself.
 */
export interface SweepCarry extends SchedulerSnapshot {
  name: string;
  execution: ExecutionPlan;
  round: RoundInfo;
  paused: boolean;
  /** runs of this sweep so far, including the one that continues */
  runs: number;
  /** when the first run started, ms since the epoch (absent in runs carried by older versions) */
  startedAt?: number;
  /** workflow id of the pack each packed trial in flight runs in (absent: every trial runs alone) */
  packOf?: Record<string, string>;
}

export interface SweepInput {
  /** the spec document (validated by the client before starting) */
  spec: unknown;
  options?: SweepOptions;
  /** set only when a run continues as new */
  carry?: SweepCarry;
}

export type SweepState = 'planning' | 'running' | 'paused' | 'analyzing' | 'cancelling' | 'completed';

export interface SweepProgress {
  sweepId: string;
  name: string;
  state: SweepState;
  /** trials planned so far (grows between rounds of adaptive searches) */
  planned: number;
  searchDone: boolean;
  started: number;
  finished: number;
  counts: OutcomeCounts;
  inFlight: number;
  /** ids of trials in flight (at most 100) */
  running: string[];
  parallelism: number;
  round: number;
  /** workflow runs so far (continue-as-new chain) */
  runs: number;
  /** when the sweep's first run started, ms since the epoch */
  startedAt?: number;
}

/** What a trial workflow reports to its sweep (signal and result). */
export interface TrialDone {
  trialId: string;
  outcome: Outcome;
  step: number;
  attempt: number;
  error?: string;
}

export interface AnalysisInfo {
  /** KV key of summary.json in SWEEP_SUMMARIES */
  summaryKey: string;
  /** object names in SWEEP_REPORTS */
  files: string[];
  records: number;
  metrics: number;
}

export interface SweepResult {
  sweepId: string;
  name: string;
  planned: number;
  finished: number;
  counts: OutcomeCounts;
  runs: number;
  analysis: AnalysisInfo;
  /** when the sweep's first run started, ms since the epoch */
  startedAt?: number;
}

export interface TrialInput {
  sweepId: string;
  /** workflow id of the sweep, which receives the trialDone signal */
  parentId: string;
  trialId: string;
  config: AnyTrialConfig;
  execution: ExecutionPlan;
  options?: SweepOptions;
}

export interface TrialActivityInput {
  sweepId: string;
  trialId: string;
  config: AnyTrialConfig;
  executor: string;
  maxAttempts: number;
  kubernetes?: KubernetesExecution;
  trainer?: CommandTrainerPlan;
}

/** One trial of a pack: its id and built-in config (command trials never pack). */
export interface PackMemberPlan {
  trialId: string;
  config: TrialConfig;
}

/** A pack child workflow: trials that train together in one process (core/train/packed). */
export interface PackInput {
  sweepId: string;
  /** workflow id of the sweep, which receives a trialDone signal per member after a hand-over */
  parentId: string;
  members: PackMemberPlan[];
  execution: ExecutionPlan;
  options?: SweepOptions;
}

export interface PackActivityInput {
  sweepId: string;
  members: PackMemberPlan[];
  executor: string;
  maxAttempts: number;
  kubernetes?: KubernetesExecution;
}

/** ApplicationFailure details of a failed pack attempt: the members that reached an outcome anyway. */
export interface PackFailureDetails {
  attempt: number;
  done: TrialActivityResult[];
}

export interface TrialActivityResult {
  trialId: string;
  outcome: Outcome;
  step: number;
  attempt: number;
  error?: string;
}

/** What the coord-check preflight reports to the workflow (a failing check throws PreflightFailed). */
export interface PreflightInfo {
  ran: boolean;
  skipped: boolean;
  ok: boolean;
  lines: string[];
  durationMs: number;
}

/** The activities the workflows call, by name (implemented in activities/). */
export interface SweepActivities {
  planRound(input: { sweepId: string; spec: unknown; round: number }): Promise<PlanInfo>;
  planPage(input: { sweepId: string; round: number; page: number }): Promise<TrialPlan<AnyTrialConfig>[]>;
  runTrial(input: TrialActivityInput): Promise<TrialActivityResult>;
  /** one attempt of a pack: runs the members without an outcome, returns every member's (member order) */
  runTrialPack(input: PackActivityInput): Promise<TrialActivityResult[]>;
  /** a page of plans laid out in packs (execution.pack, at most `parallelism` trials a pack) */
  planPackedPage(input: { sweepId: string; round: number; page: number; parallelism: number }): Promise<PackedPage>;
  /** `unlessFinished`: not when the trial has a succeeded or diverged outcome stored (a pack's finished member) */
  recordTrialEnd(input: { sweepId: string; trialId: string; outcome: 'failed' | 'cancelled'; attempt: number; error: string; unlessFinished?: boolean }): Promise<void>;
  analyzeSweep(input: { sweepId: string; spec: unknown }): Promise<AnalysisInfo>;
  coordCheckPreflight(input: { sweepId: string; spec: unknown; skip?: boolean }): Promise<PreflightInfo>;
}

/**
 * ApplicationFailure types that are never retried: another attempt cannot change them. (A
 * diverged trial is not a failure at all: the activity returns it as its result.)
 */
export const NON_RETRYABLE_TYPES = ['InvalidConfig', 'InvalidSpec', 'UnknownExecutor', 'PreflightFailed', 'SweepIdReused'];

export function childWorkflowId(sweepId: string, trialId: string): string {
  return `${sweepId}/trial/${trialId}`;
}

/** A pack's workflow id, named by its first member (each trial starts once, so it is unique). */
export function packWorkflowId(sweepId: string, firstTrialId: string): string {
  return `${sweepId}/pack/${firstTrialId}`;
}
