// One prom-client registry per process (never the library's global one), with the Node.js
// process metrics registered exactly once: registering them twice on a registry throws.
import { Registry, collectDefaultMetrics } from 'prom-client';
import { PREFIX } from './names.js';

export interface RegistryOptions {
  /** value of the `service` label on every series (orchestrator, aggregator, embedded) */
  service: string;
  /** further labels on every series, e.g. a worker id */
  labels?: Record<string, string>;
  /** register the process metrics (CPU, memory, event loop, GC); default true */
  processMetrics?: boolean;
}

export function createRegistry(opts: RegistryOptions): Registry {
  if (!opts.service) throw new Error('telemetry: service name must not be empty');
  const registry = new Registry();
  registry.setDefaultLabels({ ...opts.labels, service: opts.service });
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: PREFIX });
  return registry;
}

/** Series a scrape of `registry` returns (each histogram bucket, sum and count is one series). */
export async function countSeries(registry: Registry): Promise<number> {
  const metrics = await registry.getMetricsAsJSON();
  let n = 0;
  for (const m of metrics) n += m.values.length;
  return n;
}
