// The package's "./client" export: trigger and query cluster sweeps from TypeScript.
export { SweepClient, SweepNotFound } from './sweep-client.js';
export type { SweepStatus, SubmitSpec, SubmitOptions, Submitted, WorkflowStatusName } from './sweep-client.js';
export { resolveSettings, ENV } from './settings.js';
export type { ClusterSettings, SettingsInput } from './settings.js';
export { TemporalUnreachableError } from './connect.js';
export { TemporalCredentials, resolveTemporalCredentials, TEMPORAL_AUTH_ENV } from './temporal-auth.js';
export type { TemporalAuthInput } from './temporal-auth.js';
export { NatsUnreachableError } from '../store/connect.js';
export type { ScheduleInfo } from './schedules.js';
export type { ReportResult } from './report.js';
export type { TrialSummary, TrialStatus } from '../store/trial-summary.js';
export type { SweepProgress, SweepResult, SweepOptions, OutcomeCounts } from '../workflows/types.js';
