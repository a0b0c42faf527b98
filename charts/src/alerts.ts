// Prometheus alert rules shipped in the chart: trial failure rate, pods pending too long,
// aggregator lag, API errors, and nightly drift.
//
// Nightly drift compares tonight's value with the previous nightly run's value, both exported
// by the orchestrator under the same labels (sweep_nightly_* and sweep_nightly_previous_*, see
// workers/telemetry/nightly.ts). The alert fires as soon as a run that moved beyond tolerance is
// exported and stays until the next run replaces the pair; it needs no `offset 1d`, so a late
// or skipped run never compares against the wrong night.
import { NIGHTLY, OPS } from '../../workers/telemetry/names.js';

/** How far a nightly number may move from the previous nightly run before the alert fires. */
export const DRIFT_TOLERANCE = {
  /** absolute change of d log η* / d log width */
  transferSlope: 0.2,
  /** factor between tonight's and the previous η* at the widest width */
  optimalLrFactor: 2,
  /** absolute change of a fitted exponent */
  exponent: 0.1,
};

export const OPERATIONS_THRESHOLDS = {
  /** share of ending trials that failed, over the window, per sweep */
  failureRate: 0.2,
  failureWindow: '15m',
  /** fewer ending trials than this in the window never alert */
  failureMinTrials: 5,
  /** seconds a pod may stay pending */
  pendingSeconds: 900,
  /** messages not yet aggregated, sustained for lagFor */
  lagMessages: 5000,
  lagFor: '10m',
  /** API errors per second, sustained for 10 min */
  apiErrorsPerSecond: 0.1,
  /** hours after the last nightly run of a schedule before it counts as missing */
  nightlyMissingHours: 36,
};

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: { summary: string; description: string };
}

export interface RuleFile {
  groups: { name: string; interval?: string; rules: AlertRule[] }[];
}

/** Adds the sweeps behind a nightly pair (from sweep_nightly_run_info) to a drift alert's labels. */
const withRuns = (expr: string) => `(${expr}) * on (job, instance, schedule) group_left (sweep, previous_sweep) ${NIGHTLY.runInfo}`;

export function alertRules(): RuleFile {
  const t = OPERATIONS_THRESHOLDS;
  const d = DRIFT_TOLERANCE;
  const w = t.failureWindow;
  return {
    groups: [
      {
        name: 'sweep-operations',
        rules: [
          {
            alert: 'SweepTrialFailureRateHigh',
            expr: `(sum by (sweep) (increase(${OPS.trials}{outcome="failed"}[${w}])) / sum by (sweep) (increase(${OPS.trials}[${w}]))) > ${t.failureRate}`
              + ` and on (sweep) sum by (sweep) (increase(${OPS.trials}[${w}])) >= ${t.failureMinTrials}`,
            for: '5m',
            labels: { severity: 'warning' },
            annotations: {
              summary: 'Many trials of sweep {{ $labels.sweep }} fail',
              description: `{{ $value | humanizePercentage }} of the trials of sweep {{ $labels.sweep }} that ended in the last ${w} failed (threshold ${t.failureRate * 100}%; diverged trials do not count as failures).`,
            },
          },
          {
            alert: 'SweepPodsPendingTooLong',
            expr: `${OPS.podsPendingOldest} > ${t.pendingSeconds}`,
            for: '1m',
            labels: { severity: 'warning' },
            annotations: {
              summary: 'Trial pods stay pending',
              description: `A trial pod of {{ $labels.instance }} has been pending for {{ $value | humanizeDuration }} (threshold ${t.pendingSeconds / 60} min): not schedulable (GPUs, node selector, tolerations) or its image does not pull.`,
            },
          },
          {
            alert: 'SweepAggregatorLagging',
            expr: `${OPS.lag} > ${t.lagMessages}`,
            for: t.lagFor,
            labels: { severity: 'warning' },
            annotations: {
              summary: 'The aggregator falls behind',
              description: `{{ $value }} {{ $labels.stream }} messages are waiting to be aggregated on {{ $labels.instance }} (more than ${t.lagMessages} for ${t.lagFor}); live curves and summaries are late.`,
            },
          },
          {
            alert: 'SweepApiErrors',
            expr: `sum by (kind) (rate(${OPS.apiErrors}[5m])) > ${t.apiErrorsPerSecond}`,
            for: '10m',
            labels: { severity: 'warning' },
            annotations: {
              summary: 'Calls to {{ $labels.kind }} keep failing',
              description: '{{ $value | humanize }} failed {{ $labels.kind }} calls per second over the last 5 minutes.',
            },
          },
        ],
      },
      {
        name: 'sweep-nightly',
        rules: [
          {
            alert: 'SweepNightlyTransferSlopeDrift',
            expr: withRuns(`abs(${NIGHTLY.transferSlope} - ${NIGHTLY.previousTransferSlope}) > ${d.transferSlope}`),
            labels: { severity: 'warning', category: 'nightly-drift' },
            annotations: {
              summary: 'Nightly {{ $labels.schedule }}: learning-rate transfer slope moved',
              description: `The transfer slope d log η*/d log width of group {{ $labels.group }} moved by {{ $value | printf "%.3f" }} between nightly runs {{ $labels.previous_sweep }} and {{ $labels.sweep }} (tolerance ${d.transferSlope}).`,
            },
          },
          {
            alert: 'SweepNightlyOptimalLrDrift',
            expr: withRuns(`exp(abs(ln(${NIGHTLY.optimalLrWidest}) - ln(${NIGHTLY.previousOptimalLrWidest}))) > ${d.optimalLrFactor}`),
            labels: { severity: 'warning', category: 'nightly-drift' },
            annotations: {
              summary: 'Nightly {{ $labels.schedule }}: optimal learning rate at the widest width moved',
              description: `η* at width {{ $labels.width }} of group {{ $labels.group }} changed by a factor of {{ $value | printf "%.2f" }} between nightly runs {{ $labels.previous_sweep }} and {{ $labels.sweep }} (tolerance: factor ${d.optimalLrFactor}).`,
            },
          },
          {
            alert: 'SweepNightlyExponentDrift',
            expr: withRuns(`abs(${NIGHTLY.exponent} - ${NIGHTLY.previousExponent}) > ${d.exponent}`),
            labels: { severity: 'warning', category: 'nightly-drift' },
            annotations: {
              summary: 'Nightly {{ $labels.schedule }}: fitted scaling exponent moved',
              description: `The {{ $labels.axis }} exponent of {{ $labels.metric }} in group {{ $labels.group }} moved by {{ $value | printf "%.3f" }} between nightly runs {{ $labels.previous_sweep }} and {{ $labels.sweep }} (tolerance ${d.exponent}).`,
            },
          },
          {
            alert: 'SweepNightlyRunMissing',
            expr: `time() - ${NIGHTLY.lastRun} > ${t.nightlyMissingHours * 3600}`,
            labels: { severity: 'warning' },
            annotations: {
              summary: 'Nightly {{ $labels.schedule }} did not report',
              description: `No nightly run of {{ $labels.schedule }} was analysed for {{ $value | humanizeDuration }} (expected within ${t.nightlyMissingHours} h).`,
            },
          },
        ],
      },
    ],
  };
}
