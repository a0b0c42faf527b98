// Prometheus telemetry of the sweep services; see telemetry.ts.
export { createTelemetry, type Telemetry, type TelemetryOptions, type SweepTelemetryHooks } from './telemetry.js';
export { createRegistry, countSeries } from './registry.js';
export { startMetricsServer, type MetricsServer } from './server.js';
export type { LiveValues } from './live.js';
export type { NightlyRun } from './nightly.js';
export * from './names.js';
export { scheduledRun, previousRunFromSummaries, type PreviousRunLookup } from './scheduled.js';
export { parseMetricsPort, telemetryFromFlags, type MetricsFlags } from './flags.js';
