// The trial protocol's launch file (docs/trainer-protocol.md, version 1): what a command trainer
// is told about its trial, and where it reports. Written by the runner, read by the trainer.
import type { CommandTrialConfig } from '../config/command-trial.js';
import type { NatsAuth } from '../nats-auth.js';

export const PROTOCOL_VERSION = 1;

/** Exit code of a trainer that found its launch invalid: never retried. */
export const EXIT_INVALID_LAUNCH = 2;
/** Exit code of a trainer stopped by SIGTERM (128 + 15), after flushing what it sent. */
export const EXIT_TERMINATED = 143;

/** The file descriptor an embedded trainer writes its messages to, one JSON object a line. */
export const PIPE_FD = 3;

/** `report.auth`: how the process authenticates to NATS (files, never secret values in cluster mode). */
export type { NatsAuth } from '../nats-auth.js';

export type LaunchReport =
  | { mode: 'pipe'; fd: number }
  | { mode: 'nats'; servers: string[]; metricsSubject: string; eventsSubject: string; auth?: NatsAuth };

export interface TrialLaunchFile {
  protocol: typeof PROTOCOL_VERSION;
  sweepId: string;
  trialId: string;
  attempt: number;
  params: CommandTrialConfig['params'];
  report: LaunchReport;
}

export function launchFile(sweepId: string, trialId: string, attempt: number, config: CommandTrialConfig, report: LaunchReport): TrialLaunchFile {
  return { protocol: PROTOCOL_VERSION, sweepId, trialId, attempt, params: config.params, report };
}

/** The environment a command trainer starts with, on top of the runner's own. */
export function launchEnv(launchPath: string): Record<string, string> {
  return { SWEEP_LAUNCH: launchPath, SWEEP_PROTOCOL: String(PROTOCOL_VERSION) };
}
