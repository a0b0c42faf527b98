// What a worker hands each executor factory: its own connections and settings. Kept apart from
// the registry (executors.ts) so that factories need not import the registry that lists them.
import type { NatsConnection } from '@nats-io/transport-node';
import type { TLSConfig } from '@temporalio/client';
import type { TrialExecutor } from './executor.js';
import type { LocalExecutorOptions } from './local-executor.js';
import type { TelemetryHooks } from './telemetry.js';

export interface ExecutorSettings {
  nc: NatsConnection;
  /** "process" (default): a trainer process per trial; "in-process": inside the worker (tiny trials) */
  localMode?: 'process' | 'in-process';
  local?: LocalExecutorOptions;
  env?: NodeJS.ProcessEnv;
  /** where executors report failed API calls */
  hooks?: TelemetryHooks;
  /**
   * The worker's Temporal frontend, which the Kubernetes Job garbage collector asks whether a
   * sweep still runs; without it the collector does not run. `tls` and `apiKey` are the
   * worker's own (Connection options).
   */
  temporal?: { address: string; namespace: string; tls?: TLSConfig; apiKey?: string };
}

export type ExecutorFactory = (s: ExecutorSettings) => TrialExecutor | undefined | Promise<TrialExecutor | undefined>;
