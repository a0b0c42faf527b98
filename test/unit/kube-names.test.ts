// Trial Job names and labels: deterministic, valid DNS-1123 labels of at most 63 characters,
// distinct for distinct sweeps, trials and attempts, whatever the sweep id looks like.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidDns1123Label, isValidLabelValue, jobName, sweepLabel } from '../../activities/kubernetes/names.js';

const trial = '0123456789abcdef';

test('a clean short sweep id is kept as is', () => {
  assert.equal(jobName('mup-20250101t000000z-ab12', trial, 1), 'mup-20250101t000000z-ab12-0123456789abcdef-a1');
  assert.equal(sweepLabel('mup-20250101t000000z-ab12'), 'mup-20250101t000000z-ab12');
});

test('names are deterministic, valid and at most 63 characters for any sweep id', () => {
  const ids = [
    'nightly-2025-01-01T02:00:00Z', 'A', '_', ':::', 'x'.repeat(200), 'Sweep_With_Underscores', 'trailing-', '-leading',
    'mup-vs-sp-transfer-at-scale-with-a-really-long-name-20250101t000000z-ab12',
  ];
  for (const id of ids) {
    for (const attempt of [1, 7, 123]) {
      const n = jobName(id, trial, attempt);
      assert.ok(isValidDns1123Label(n), `${id} → ${n}`);
      assert.equal(n, jobName(id, trial, attempt));
      assert.ok(n.endsWith(`-${trial}-a${attempt}`), n);
    }
    const l = sweepLabel(id);
    assert.ok(isValidLabelValue(l), `${id} → label ${l}`);
    assert.equal(l, sweepLabel(id));
  }
});

test('distinct sweeps, trials and attempts never share a name', () => {
  const names = new Set<string>();
  const sweeps = ['nightly-2025-01-01T02:00:00Z', 'nightly-2025-01-01t02-00-00z', 'Nightly-2025-01-01T02:00:00Z', 'x'.repeat(80), `${'x'.repeat(79)}y`];
  for (const s of sweeps) for (const t of [trial, 'fedcba9876543210']) for (const a of [1, 2]) names.add(jobName(s, t, a));
  assert.equal(names.size, sweeps.length * 2 * 2);
  const labels = new Set(sweeps.map(sweepLabel));
  assert.equal(labels.size, sweeps.length);
});

test('a bad attempt number is refused with the field named', () => {
  assert.throws(() => jobName('s', trial, 0), /attempt: must be a positive integer/);
});
