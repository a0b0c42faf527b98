// Names of every Prometheus series the sweep services export (prefix `sweep_`). The exporters,
// the generated Grafana dashboards and the alert rules all import them from here, so a rename
// cannot leave a dashboard panel or an alert querying a series nobody exports.

export const PREFIX = 'sweep_';

/** Operational series: what the orchestrator worker and the aggregator are doing. */
export const OPS = {
  /** counter {sweep, outcome}: trials that ended, by outcome */
  trials: 'sweep_trials_total',
  /** gauge {sweep}: trial attempts running now */
  running: 'sweep_trials_running',
  /** histogram {outcome}: wall-clock duration of a trial attempt that ended with an outcome */
  duration: 'sweep_trial_duration_seconds',
  /** counter {kind, retryable}: attempts that failed for an infrastructure reason */
  attemptFailures: 'sweep_trial_attempt_failures_total',
  /** gauge: trial pods (attempts) waiting to start */
  podsPending: 'sweep_pods_pending',
  /** gauge: how long the longest-waiting pending pod has waited (0 when none) */
  podsPendingOldest: 'sweep_pods_pending_oldest_seconds',
  /** histogram: time from launching an attempt to its pod running */
  podStart: 'sweep_pod_start_seconds',
  /** counter {stream}: bus messages stored into trial summaries */
  ingested: 'sweep_metric_messages_ingested_total',
  /** gauge {stream}: messages stored in a stream but not yet aggregated */
  lag: 'sweep_aggregator_lag_messages',
  /** counter {kind}: failed calls to Kubernetes, NATS, Temporal, ... */
  apiErrors: 'sweep_api_errors_total',
  /** counter {reason}: bus messages dropped as malformed or hostile (reasons: core/message-schema.ts) */
  rejected: 'sweep_messages_rejected_total',
} as const;

/** Live series of running trials {sweep, trial}; removed when the trial ends. */
export const LIVE = {
  step: 'sweep_trial_step',
  trainLoss: 'sweep_trial_train_loss',
  testLoss: 'sweep_trial_test_loss',
  sharpness: 'sweep_trial_sharpness',
} as const;

/** Fitted results of the last few analysed sweeps. */
export const SCIENCE = {
  /** {sweep, group}: d log η* / d log width */
  transferSlope: 'sweep_transfer_slope',
  /** {sweep, group}: relative loss excess at the widest width with the narrowest width's η* */
  transferGap: 'sweep_transfer_gap',
  /** {sweep, group, width}: optimal learning rate η* */
  optimalLr: 'sweep_optimal_lr',
  /** {sweep, group, axis, metric}: fitted scaling-law exponent */
  exponent: 'sweep_fit_exponent',
  /** {sweep, group}: super-consistency spread of sharpness across widths (small = consistent) */
  sharpnessSpread: 'sweep_sharpness_spread',
  /** {sweep, parametrization}: coord-check preflight verdict, 1 passed, 0 failed */
  coordCheckOk: 'sweep_coord_check_ok',
  /** {sweep}: when the sweep's analysis was exported (unix seconds) */
  analyzedAt: 'sweep_analyzed_timestamp_seconds',
} as const;

/**
 * Nightly canaries, per schedule: tonight's value and the previous nightly run's value side by
 * side, so a drift alert is a plain difference of two gauges.
 */
export const NIGHTLY = {
  transferSlope: 'sweep_nightly_transfer_slope',
  previousTransferSlope: 'sweep_nightly_previous_transfer_slope',
  /** {schedule, group, width}: η* at the widest width of the sweep */
  optimalLrWidest: 'sweep_nightly_optimal_lr_widest',
  previousOptimalLrWidest: 'sweep_nightly_previous_optimal_lr_widest',
  /** {schedule, group, axis, metric} */
  exponent: 'sweep_nightly_exponent',
  previousExponent: 'sweep_nightly_previous_exponent',
  /** {schedule, sweep, previous_sweep} = 1: which sweeps the two values come from */
  runInfo: 'sweep_nightly_run_info',
  /** {schedule}: when tonight's run was exported (unix seconds) */
  lastRun: 'sweep_nightly_last_run_timestamp_seconds',
} as const;
