// "Sweep operations": are trials flowing, how do they end, are pods starting, is the
// aggregator keeping up, are the APIs healthy. `sweep` selects one or more sweeps (or all).
import { LIVE, OPS } from '../../workers/telemetry/names.js';
import type { DashboardSpec } from './panels.js';

const S = '{sweep=~"$sweep"}';
const SW = (extra: string) => `{sweep=~"$sweep",${extra}}`;
const RATE = '[$__rate_interval]';

const quantiles = (metric: string, selector = '') => [0.5, 0.95].map((q) => ({
  expr: `histogram_quantile(${q}, sum by (le) (rate(${metric}_bucket${selector}${RATE})))`,
  legend: `p${q * 100}`,
}));

export const operationsDashboard: DashboardSpec = {
  uid: 'sweep-operations',
  title: 'Sweep operations',
  description: 'Trial throughput and outcomes, pods, aggregation and API health of the sweep orchestrator.',
  tags: ['sweep', 'generated'],
  time: '6h',
  variables: [{ name: 'sweep', label: 'Sweep', query: `label_values(${OPS.trials}, sweep)`, multi: true }],
  rows: [
    {
      title: 'Trials',
      panels: [
        { kind: 'timeseries', title: 'Trial throughput by outcome', unit: 'short', description: 'Trials ending per minute, by outcome (diverged is a valid result, failed is an error).',
          queries: [{ expr: `60 * sum by (outcome) (rate(${OPS.trials}${S}${RATE}))`, legend: '{{outcome}}' }] },
        { kind: 'piechart', title: 'Trial outcomes', width: 6, description: 'Trials ended so far in the selected sweeps, by outcome.',
          queries: [{ expr: `sum by (outcome) (${OPS.trials}${S})`, legend: '{{outcome}}', instant: true }] },
        { kind: 'stat', title: 'Running trials', width: 6, description: 'Trial attempts running now in the selected sweeps.',
          queries: [{ expr: `sum(${OPS.running}${S})`, legend: 'running' }] },
        { kind: 'timeseries', title: 'Running trials by sweep', description: 'Trial attempts running, per sweep.',
          queries: [{ expr: `sum by (sweep) (${OPS.running}${S})`, legend: '{{sweep}}' }] },
        { kind: 'timeseries', title: 'Failure rate', unit: 'percentunit', description: 'Share of ending trials that failed (errors, not divergence).',
          queries: [{ expr: `sum(rate(${OPS.trials}${SW('outcome="failed"')}${RATE})) / sum(rate(${OPS.trials}${S}${RATE}))`, legend: 'failed' }] },
        { kind: 'timeseries', title: 'Trial duration', unit: 's', description: 'Median and 95th percentile wall-clock duration of trials that ran to the end or diverged.',
          queries: quantiles(OPS.duration, '{outcome=~"succeeded|diverged"}') },
        { kind: 'timeseries', title: 'Attempt failures by kind', unit: 'short', description: 'Infrastructure failures of trial attempts per minute (OOM, image pull, eviction, ...), retryable or not.',
          queries: [{ expr: `60 * sum by (kind, retryable) (rate(${OPS.attemptFailures}${RATE}))`, legend: '{{kind}} (retryable={{retryable}})' }] },
      ],
    },
    {
      title: 'Pods',
      panels: [
        { kind: 'timeseries', title: 'Pending pods', unit: 'short', width: 8, description: 'Trial pods waiting to be scheduled or to pull their image.',
          queries: [{ expr: `sum(${OPS.podsPending})`, legend: 'pending' }] },
        { kind: 'timeseries', title: 'Longest pending wait', unit: 's', width: 8, description: 'How long the longest-waiting pending pod has waited.',
          queries: [{ expr: `max(${OPS.podsPendingOldest})`, legend: 'oldest pending' }] },
        { kind: 'timeseries', title: 'Time to start', unit: 's', width: 8, description: 'Median and 95th percentile time from launching a trial attempt to its pod running.',
          queries: quantiles(OPS.podStart) },
      ],
    },
    {
      title: 'Aggregation',
      panels: [
        { kind: 'timeseries', title: 'Messages ingested', unit: 'short', width: 8, description: 'Metric and event messages stored into trial summaries per second.',
          queries: [{ expr: `sum by (stream) (rate(${OPS.ingested}${RATE}))`, legend: '{{stream}}' }] },
        { kind: 'timeseries', title: 'Aggregator lag', unit: 'short', width: 8, description: 'Messages stored in JetStream but not yet aggregated.',
          queries: [{ expr: `max by (stream) (${OPS.lag})`, legend: '{{stream}}' }] },
        { kind: 'timeseries', title: 'Live trials reporting', unit: 'short', width: 8, description: 'Running trials with a live loss series, per sweep.',
          queries: [{ expr: `count by (sweep) (${LIVE.trainLoss}${S})`, legend: '{{sweep}}' }] },
        { kind: 'timeseries', title: 'API errors by kind', unit: 'short', width: 12, description: 'Failed calls per minute: kubernetes (trial Jobs and their watches, from the orchestrator), nats (JetStream, from the aggregator).',
          queries: [{ expr: `60 * sum by (kind) (rate(${OPS.apiErrors}${RATE}))`, legend: '{{kind}}' }] },
        { kind: 'timeseries', title: 'Messages dropped by reason', unit: 'short', width: 12, description: 'Malformed or hostile bus messages dropped per minute (too large, not JSON, ids not those of their subject, a trial never planned, ...; docs/robustness.md).',
          queries: [{ expr: `60 * sum by (reason) (rate(${OPS.rejected}${RATE}))`, legend: '{{reason}}' }] },
      ],
    },
    {
      title: 'Processes',
      panels: [
        { kind: 'timeseries', title: 'CPU', unit: 'percentunit', width: 8, description: 'CPU used by each sweep service process.',
          queries: [{ expr: `sum by (service, instance) (rate(sweep_process_cpu_seconds_total${RATE}))`, legend: '{{service}} {{instance}}' }] },
        { kind: 'timeseries', title: 'Resident memory', unit: 'bytes', width: 8, description: 'Resident memory of each sweep service process.',
          queries: [{ expr: 'sum by (service, instance) (sweep_process_resident_memory_bytes)', legend: '{{service}} {{instance}}' }] },
        { kind: 'timeseries', title: 'Event loop lag (p99)', unit: 's', width: 8, description: 'A blocked event loop delays heartbeats and acknowledgements.',
          queries: [{ expr: 'max by (service, instance) (sweep_nodejs_eventloop_lag_p99_seconds)', legend: '{{service}} {{instance}}' }] },
      ],
    },
  ],
};
