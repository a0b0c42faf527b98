// The seam between the trial activity and where a trial's process actually runs: a local
// child process (activities/local-executor.ts) or a Kubernetes Job (activities/kubernetes/).
// The executor only runs the trainer and reports how the process ended; the trial's results
// travel through NATS JetStream and are read by the activity afterwards.
import type { AnyTrialConfig } from '../core/config/command-trial.js';
import type { TrialConfig } from '../core/config/trial.js';
import type { CommandTrainerPlan, PackMemberPlan } from '../workflows/types.js';
import type { KubernetesExecution } from '../core/config/execution.js';
import type { NatsAuth } from '../core/nats-auth.js';
import type { TrialCredential } from './trial-credentials.js';

export interface NatsSettings {
  servers: string[];
  /** credentials and TLS as files the trainer can read (paths, never secret values) */
  auth?: NatsAuth;
}

/** An attempt as the built-in trainer reads it (C = TrialConfig), or as the executors get it (AnyTrialLaunch). */
export interface TrialLaunch<C extends AnyTrialConfig = TrialConfig> {
  sweepId: string;
  trialId: string;
  /** 1-based attempt number (Temporal's activity attempt) */
  attempt: number;
  config: C;
  nats: NatsSettings;
  kubernetes?: KubernetesExecution;
  /** set for a command trial: the user's program runs instead of the built-in trainer */
  trainer?: CommandTrainerPlan;
  /**
   * set for a pack: the members the process trains together (core/train/packed/run-pack.ts);
   * trialId and config are the pack's first member's, which names the process, Job and
   * credential in every attempt (a retry trains only the members left, maybe not that one)
   */
  pack?: PackMemberPlan[];
}

export type AnyTrialLaunch = TrialLaunch<AnyTrialConfig>;

/** Progress reported by heartbeats while the trial runs. */
export interface TrialHeartbeat {
  /** e.g. Pending, Running, Succeeded, Failed; for local processes: spawned, running, exited */
  phase: string;
  reason?: string;
  /** Job / pod / pid the attempt runs in, so a retried activity can adopt it */
  handle?: string;
  /** last evaluation step the trainer reported, when the executor can see it */
  step?: number;
}

export type FailureKind =
  | 'oom-killed'
  | 'image-pull'
  | 'unschedulable'
  | 'evicted'
  | 'preempted'
  | 'deadline-exceeded'
  | 'node-lost'
  | 'crashed'
  | 'cancelled';

/** How the trainer process ended. exitCode 0 means it ran to an outcome (succeeded/diverged/failed-in-trainer). */
export interface ExecutorOutcome {
  exitCode: number | null;
  failure?: {
    kind: FailureKind;
    /** whether another attempt could succeed (eviction yes, OOM no) */
    retryable: boolean;
    message: string;
    /** last lines of the trainer's log */
    logTail?: string[];
  };
}

/**
 * Exit codes of the trainer entry point (workers/trainer.ts), the same in a local process and
 * in a pod: ok = ran to an outcome with every message stored; invalid = the launch or trial
 * config is invalid (never retried); terminated = stopped by SIGTERM (cancel, eviction).
 */
export const TRAINER_EXIT = { ok: 0, error: 1, invalid: 2, terminated: 143 } as const;

export interface ExecutorContext {
  heartbeat(details: TrialHeartbeat): void;
  /** aborted when the activity is cancelled: the executor must stop the trial and clean up */
  signal: AbortSignal;
  /**
   * This attempt's own NATS credential, when the worker issues them: the executor hands it to
   * the trainer as a file (a private temporary file, a Secret owned by the Job) and sets
   * `launch.nats.auth.creds` to its path; it never goes into the launch itself.
   */
  credential?: TrialCredential;
}

export interface TrialExecutor {
  readonly name: string;
  run(launch: AnyTrialLaunch, ctx: ExecutorContext): Promise<ExecutorOutcome>;
  /** Releases what the executor holds (watches, timers, connections); the worker calls it once at shutdown. */
  close(): Promise<void>;
}
