// --metrics-port / --metrics-host of the sweep processes (orchestrator, aggregator, `sweep
// run`), with SWEEP_METRICS_PORT / SWEEP_METRICS_HOST as fallbacks: no port, no endpoint.
// --web-config / SWEEP_METRICS_WEB_CONFIG: TLS and basic auth for the endpoint (web-config.ts).
import { createTelemetry, type Telemetry, type TelemetryOptions } from './telemetry.js';
import { readWebConfig } from './web-config.js';

export interface MetricsFlags {
  port?: string | number;
  host?: string;
  webConfig?: string;
}

export const WEB_CONFIG_FLAG = ['--web-config <file>', 'TLS and basic auth of the /metrics endpoint, a Prometheus web config file (env SWEEP_METRICS_WEB_CONFIG)'] as const;

/** The port of a --metrics-port value; a one-line error names the flag and the value. */
export function parseMetricsPort(v: string | number, flag = '--metrics-port'): number {
  // decimal digits only: Number() would take "0x50" or "8e3"
  const n = typeof v === 'number' ? v : /^[0-9]+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${flag}: must be a port number 0-65535, got ${JSON.stringify(v)}`);
  return n;
}

/** Starts the telemetry with a /metrics endpoint when a port is given by flag or environment. */
export async function telemetryFromFlags(flags: MetricsFlags, opts: Omit<TelemetryOptions, 'port' | 'host'>, env: NodeJS.ProcessEnv = process.env): Promise<Telemetry | undefined> {
  const raw = flags.port ?? env.SWEEP_METRICS_PORT;
  if (raw === undefined || raw === '') return undefined;
  const port = parseMetricsPort(raw, flags.port !== undefined ? '--metrics-port' : 'SWEEP_METRICS_PORT');
  const webFile = flags.webConfig ?? env.SWEEP_METRICS_WEB_CONFIG;
  const web = webFile ? readWebConfig(webFile) : undefined;
  return createTelemetry({ ...opts, port, host: flags.host ?? env.SWEEP_METRICS_HOST ?? '127.0.0.1', ...(web ? { web } : {}) });
}
