// The Temporal throughput block of docs/results.md: rendered from the bench's JSON line, replaced
// in place (or appended), and kept by the reproduce script's page assembly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTemporalThroughput, withTemporalThroughput, TEMPORAL_THROUGHPUT, type TemporalBenchResult } from '../../scripts/reproduce/temporal-throughput.js';
import { assemblePage, parseBlocks } from '../../scripts/reproduce/page.js';

const check = { distinct: 10_000, missing: 0, duplicated: 0, unplanned: 0, rerun: 0, ok: true };
const cpu = { worker: 30, temporal: 40, nats: 4, bench: 2 };
const result: TemporalBenchResult = {
  N: 10_000, P: 40, BARE: 1500, EAGER: true, load0: [12.3, 10, 9], load1: [8.04, 9, 9],
  clean: {
    finished: 10_000, seconds: 1234.5, rate: 8.1, totalRate: 8, runs: 3, history: [2700, 2650, 900], check, cpuPerTrialMs: cpu,
    rss: { startMb: 280, peakMb: 400, endMb: 350, slopeMbPerMin: -0.5, secondHalfDriftMb: -5, flat: true },
  },
  bareBefore: 11, bareAfter: 12, bareCpu: cpu, ratio: 8.1 / 11.5,
  kill: { finished: 10_000, seconds: 1500, rate: 6.7, totalRate: 6.6, runs: 3, history: [2700, 2700, 1000], check: { ...check, rerun: 17 }, cpuPerTrialMs: cpu, killedAt: 5003, restartS: 9.2 },
};
const machine = { cpu: 'Some CPU', simd: 'AVX-512', cpus: 2, commit: 'abc1234' };

test('the block states the figures of the run, the machine and the verdicts', () => {
  const b = renderTemporalThroughput(result, machine);
  assert.ok(b.startsWith(`<!-- example:${TEMPORAL_THROUGHPUT} -->`) && b.endsWith(`<!-- /example:${TEMPORAL_THROUGHPUT} -->`));
  for (const s of ['**8.1 trials/s**', '**0.70**', 'Some CPU (AVX-512), 2 CPUs', 'load average 12.3 at the start, 8.0 at the end', 'commit `abc1234`',
    '3 runs of 900–2700 events (median 2650)', '10,000 distinct trial ids with one terminal event each, 0 twice, 0 missing, 0 unplanned',
    ': flat', 'killed (SIGKILL) at 5,003', "17 trials' outcome came from a retried attempt", '20 min 35 s']) {
    assert.ok(b.includes(s), `block holds ${s}`);
  }
  assert.ok(!b.includes('not exactly once') && !b.includes('not flat'));
  const bad = renderTemporalThroughput({ ...result, clean: { ...result.clean, check: { ...check, duplicated: 2, ok: false } } }, machine);
  assert.ok(bad.includes('**not exactly once**'), 'a failed check is said, not hidden');
});

test('the block replaces its old version in place, or is appended; other blocks stay', () => {
  const other = '<!-- example:intervals -->\nI\n<!-- /example:intervals -->';
  const first = withTemporalThroughput(`# page\n\n${other}\n`, renderTemporalThroughput(result, machine));
  const second = withTemporalThroughput(first, renderTemporalThroughput({ ...result, clean: { ...result.clean, rate: 9.9 } }, machine));
  const blocks = parseBlocks(second);
  assert.equal(blocks.get('intervals'), other);
  assert.ok(blocks.get(TEMPORAL_THROUGHPUT)!.includes('**9.9 trials/s**') && !second.includes('**8.1 trials/s**'));
  assert.equal(second.split(`<!-- example:${TEMPORAL_THROUGHPUT} -->`).length, 2, 'one block');
});

test('regenerating the page keeps the block (reproduce runs no benchmark)', () => {
  const page = withTemporalThroughput('# page\n', renderTemporalThroughput(result, machine));
  const again = assemblePage(page, new Map(), ['a', TEMPORAL_THROUGHPUT], (n) => `<!-- example:${n} -->\nplaceholder\n<!-- /example:${n} -->`);
  assert.equal(parseBlocks(again).get(TEMPORAL_THROUGHPUT), parseBlocks(page).get(TEMPORAL_THROUGHPUT));
});
