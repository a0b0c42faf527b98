// Every activity the orchestrator worker registers, bound to the worker's NATS connection,
// executors and telemetry hooks.
import type { NatsConnection } from '@nats-io/transport-node';
import type { SweepActivities } from '../workflows/types.js';
import { analysisActivities } from './analysis.js';
import { planningActivities } from './planning.js';
import { preflightActivities } from './preflight.js';
import type { TelemetryHooks } from './telemetry.js';
import type { NatsAuth } from '../core/nats-auth.js';
import type { TrialCredentialIssuer } from './trial-credentials.js';
import { trialActivities, type ExecutorRegistry } from './trial-activity.js';
import { packActivities } from './pack-activity.js';
import { withHeartbeats } from './heartbeats.js';

export interface ActivityDeps {
  nc: NatsConnection;
  trainerNatsServers: string[];
  trainerNatsAuth?: NatsAuth;
  trialCredentials?: TrialCredentialIssuer;
  executors: ExecutorRegistry;
  hooks?: TelemetryHooks;
}

export function createActivities(deps: ActivityDeps): SweepActivities {
  return {
    // run through the sweep's planning proxy, which has a heartbeat timeout
    ...withHeartbeats(planningActivities(deps.nc)),
    ...withHeartbeats(preflightActivities(deps.nc)),
    ...trialActivities(deps),
    ...packActivities(deps),
    ...analysisActivities(deps),
  };
}
