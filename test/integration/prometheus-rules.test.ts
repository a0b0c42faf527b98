// The shipped rule file with Debian's promtool: `check rules` passes, and `test rules` unit
// tests show each alert firing on the series that should fire it (with its rendered text) and
// staying quiet on the near misses: diverged trials, too few trials, short lag spikes, a stable
// nightly pair, a nightly pair whose widest width changed.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { REPO_ROOT } from '../../charts/src/generate.js';
import { promtool } from '../servers/prometheus.js';

const RULES = join(REPO_ROOT, 'charts/sweep/rules/sweep-alerts.yaml');
const dir = mkdtempSync(join(tmpdir(), 'sweep-promtool-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const at = { job: 'orchestrator', instance: 'w:9464' };
/** Writes a promtool rule-test file and asserts that promtool runs it successfully. */
async function passesPromtoolTests(name: string, tests: unknown): Promise<void> {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(tests));
  const r = await promtool(['test', 'rules', file]);
  assert.equal(r.code, 0, r.output);
  assert.match(r.output, /SUCCESS/);
}

const series = (name: string, labels: Record<string, string>, values: string) => ({
  series: `${name}{${Object.entries({ ...labels, ...at }).map(([k, v]) => `${k}="${v}"`).join(',')}}`,
  values,
});

test('promtool check rules passes on the generated rule file', async () => {
  const r = await promtool(['check', 'rules', RULES]);
  assert.equal(r.code, 0, r.output);
  assert.match(r.output, /SUCCESS: 8 rules found/);
});

test('promtool test rules: operational alerts fire when they should and only then', async () => {
  const tests = {
    rule_files: [RULES],
    evaluation_interval: '1m',
    tests: [
      {
        interval: '1m',
        input_series: [
          // a: half the trials fail; b: none fail; c: diverged is a result, not a failure;
          // d: 1 of 2 trials failed, too few to alert.
          series('sweep_trials_total', { sweep: 'a', outcome: 'failed' }, '0+1x40'),
          series('sweep_trials_total', { sweep: 'a', outcome: 'succeeded' }, '0+1x40'),
          series('sweep_trials_total', { sweep: 'b', outcome: 'failed' }, '0x40'),
          series('sweep_trials_total', { sweep: 'b', outcome: 'succeeded' }, '0+2x40'),
          series('sweep_trials_total', { sweep: 'c', outcome: 'diverged' }, '0+3x40'),
          series('sweep_trials_total', { sweep: 'c', outcome: 'succeeded' }, '0+1x40'),
          series('sweep_trials_total', { sweep: 'd', outcome: 'failed' }, '0 1x40'),
          series('sweep_trials_total', { sweep: 'd', outcome: 'succeeded' }, '0 1x40'),
          // a pod pending since 0, waiting 60 s more each minute
          series('sweep_pods_pending_oldest_seconds', {}, '0+60x40'),
          // lag: metrics stay above 5000; events spike for 5 minutes only
          series('sweep_aggregator_lag_messages', { stream: 'metrics' }, '6000x40'),
          series('sweep_aggregator_lag_messages', { stream: 'events' }, '0 9000x4 0x35'),
          // one failed Kubernetes call per second
          series('sweep_api_errors_total', { kind: 'kubernetes' }, '0+60x40'),
        ],
        alert_rule_test: [
          { eval_time: '3m', alertname: 'SweepTrialFailureRateHigh', exp_alerts: [] },
          {
            eval_time: '25m', alertname: 'SweepTrialFailureRateHigh',
            exp_alerts: [{
              exp_labels: { severity: 'warning', sweep: 'a' },
              exp_annotations: {
                summary: 'Many trials of sweep a fail',
                description: '50% of the trials of sweep a that ended in the last 15m failed (threshold 20%; diverged trials do not count as failures).',
              },
            }],
          },
          { eval_time: '10m', alertname: 'SweepPodsPendingTooLong', exp_alerts: [] },
          { eval_time: '16m', alertname: 'SweepPodsPendingTooLong', exp_alerts: [] },
          {
            eval_time: '20m', alertname: 'SweepPodsPendingTooLong',
            exp_alerts: [{
              exp_labels: { severity: 'warning', ...at },
              exp_annotations: {
                summary: 'Trial pods stay pending',
                description: 'A trial pod of w:9464 has been pending for 20m 0s (threshold 15 min): not schedulable (GPUs, node selector, tolerations) or its image does not pull.',
              },
            }],
          },
          { eval_time: '9m', alertname: 'SweepAggregatorLagging', exp_alerts: [] },
          {
            eval_time: '12m', alertname: 'SweepAggregatorLagging',
            exp_alerts: [{
              exp_labels: { severity: 'warning', stream: 'metrics', ...at },
              exp_annotations: {
                summary: 'The aggregator falls behind',
                description: '6000 metrics messages are waiting to be aggregated on w:9464 (more than 5000 for 10m); live curves and summaries are late.',
              },
            }],
          },
          { eval_time: '8m', alertname: 'SweepApiErrors', exp_alerts: [] },
          {
            eval_time: '20m', alertname: 'SweepApiErrors',
            exp_alerts: [{
              exp_labels: { severity: 'warning', kind: 'kubernetes' },
              exp_annotations: { summary: 'Calls to kubernetes keep failing', description: '1 failed kubernetes calls per second over the last 5 minutes.' },
            }],
          },
        ],
      },
    ],
  };
  await passesPromtoolTests('ops-tests', tests);
});

test('promtool test rules: nightly drift fires against the previous run, not for a stable pair or a changed width', async () => {
  const g = { schedule: 'canary', group: 'model.parametrization=mup' };
  const exp = { ...g, axis: 'model.width', metric: 'testLoss' };
  // Runs: n1 → n2 (stable) for the first 10 minutes, then n3 arrives and moves every number.
  const tests = {
    rule_files: [RULES],
    evaluation_interval: '1m',
    tests: [
      {
        interval: '1m',
        input_series: [
          series('sweep_nightly_transfer_slope', g, '-0.05x9 -0.45x10'),
          series('sweep_nightly_previous_transfer_slope', g, '0.02x9 -0.05x10'),
          series('sweep_nightly_optimal_lr_widest', { ...g, width: '512' }, '0.031x9 0.0106x10'),
          series('sweep_nightly_previous_optimal_lr_widest', { ...g, width: '512' }, '0.029x9 0.031x10'),
          series('sweep_nightly_exponent', exp, '0.51x9 0.71x10'),
          series('sweep_nightly_previous_exponent', exp, '0.5x9 0.51x10'),
          series('sweep_nightly_run_info', { schedule: 'canary', sweep: 'n2', previous_sweep: 'n1' }, '1x9 stale'),
          series('sweep_nightly_run_info', { schedule: 'canary', sweep: 'n3', previous_sweep: 'n2' }, '_x10 1x9'),
          // another schedule whose widest width changed between runs: η* values are not comparable
          series('sweep_nightly_optimal_lr_widest', { schedule: 'wide', group: 'all trials', width: '1024' }, '0.001x19'),
          series('sweep_nightly_previous_optimal_lr_widest', { schedule: 'wide', group: 'all trials', width: '512' }, '0.1x19'),
          series('sweep_nightly_run_info', { schedule: 'wide', sweep: 'w2', previous_sweep: 'w1' }, '1x19'),
        ],
        alert_rule_test: [
          ...['SweepNightlyTransferSlopeDrift', 'SweepNightlyOptimalLrDrift', 'SweepNightlyExponentDrift'].map((alertname) => ({ eval_time: '5m', alertname, exp_alerts: [] })),
          {
            eval_time: '15m', alertname: 'SweepNightlyTransferSlopeDrift',
            exp_alerts: [{
              exp_labels: { severity: 'warning', category: 'nightly-drift', ...g, ...at, sweep: 'n3', previous_sweep: 'n2' },
              exp_annotations: {
                summary: 'Nightly canary: learning-rate transfer slope moved',
                description: 'The transfer slope d log η*/d log width of group model.parametrization=mup moved by 0.400 between nightly runs n2 and n3 (tolerance 0.2).',
              },
            }],
          },
          {
            eval_time: '15m', alertname: 'SweepNightlyOptimalLrDrift',
            exp_alerts: [{
              exp_labels: { severity: 'warning', category: 'nightly-drift', ...g, width: '512', ...at, sweep: 'n3', previous_sweep: 'n2' },
              exp_annotations: {
                summary: 'Nightly canary: optimal learning rate at the widest width moved',
                description: 'η* at width 512 of group model.parametrization=mup changed by a factor of 2.92 between nightly runs n2 and n3 (tolerance: factor 2).',
              },
            }],
          },
          {
            eval_time: '15m', alertname: 'SweepNightlyExponentDrift',
            exp_alerts: [{
              exp_labels: { severity: 'warning', category: 'nightly-drift', ...exp, ...at, sweep: 'n3', previous_sweep: 'n2' },
              exp_annotations: {
                summary: 'Nightly canary: fitted scaling exponent moved',
                description: 'The model.width exponent of testLoss in group model.parametrization=mup moved by 0.200 between nightly runs n2 and n3 (tolerance 0.1).',
              },
            }],
          },
        ],
      },
      {
        // A schedule that stopped reporting: last run at t=0, evaluated 37 h later.
        interval: '1h',
        input_series: [series('sweep_nightly_last_run_timestamp_seconds', { schedule: 'canary' }, '0x40')],
        alert_rule_test: [
          { eval_time: '30h', alertname: 'SweepNightlyRunMissing', exp_alerts: [] },
          {
            eval_time: '37h', alertname: 'SweepNightlyRunMissing',
            exp_alerts: [{
              exp_labels: { severity: 'warning', schedule: 'canary', ...at },
              exp_annotations: { summary: 'Nightly canary did not report', description: 'No nightly run of canary was analysed for 1d 13h 0m 0s (expected within 36 h).' },
            }],
          },
        ],
      },
    ],
  };
  await passesPromtoolTests('nightly-tests', tests);
});
