// bench/pack-throughput's checks and its results block: trial-by-trial agreement of packed and
// unpacked sweeps, how a pack ran from its members' event order, steps trained, the goal
// verdicts, and that the block it writes is one the results-page generator keeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { TrialResult } from '../../core/outcome.js';
import { agreement, packSchedule, relativeDifference, stepsTrained } from '../../bench/pack-throughput/compare.js';
import { BLOCK, renderBlock, replaceBlock, type BenchRun, type WidthRow } from '../../bench/pack-throughput/report.js';
import { lrSeedGrid } from '../../bench/pack-throughput/sweep.js';
import { BENCH_BLOCKS, benchPlaceholder } from '../../scripts/reproduce/bench-blocks.js';
import { assemblePage, parseBlocks } from '../../scripts/reproduce/page.js';

test('agreement: exact unless a tolerance is given; outcomes must match', () => {
  const a = { finals: [0.5, 0.25, NaN], outcomes: ['succeeded', 'succeeded', 'diverged'] };
  assert.deepEqual(agreement(a, { ...a }, null), { ok: true, outcomeMismatches: [], worst: 0, worstTrial: -1 });
  const b = { finals: [0.5, 0.25 * (1 + 1e-6), NaN], outcomes: a.outcomes };
  const exact = agreement(a, b, null);
  assert.equal(exact.ok, false);
  assert.equal(exact.worstTrial, 1);
  assert.ok(Math.abs(exact.worst - 1e-6) < 1e-9);
  assert.equal(agreement(a, b, 1e-5).ok, true);
  const c = { finals: a.finals, outcomes: ['succeeded', 'diverged', 'diverged'] };
  assert.deepEqual(agreement(a, c, 1).outcomeMismatches, [1]);
  assert.equal(agreement(a, c, 1).ok, false);
  assert.throws(() => agreement(a, { finals: [1], outcomes: ['succeeded'] }, null), /cannot be compared/);
});

test('relativeDifference is symmetric, zero only for equal values, infinite against a non-finite one', () => {
  fc.assert(fc.property(fc.double({ noNaN: true }), fc.double({ noNaN: true }), (x, y) => {
    const d = relativeDifference(x, y);
    assert.equal(d, relativeDifference(y, x));
    assert.equal(d === 0, x === y);
    if (Number.isFinite(x) && Number.isFinite(y)) assert.ok(d >= 0 && d <= 2);
  }));
  assert.equal(relativeDifference(NaN, NaN), 0);
  assert.equal(relativeDifference(1, NaN), Infinity);
});

test('packSchedule: members in turn are sequential, any overlap is together', () => {
  const ev = (trial: number, kind: 'started' | 'terminal') => ({ trial, kind });
  assert.equal(packSchedule([ev(0, 'started'), ev(0, 'terminal'), ev(1, 'started'), ev(1, 'terminal')]), 'sequential');
  assert.equal(packSchedule([ev(0, 'started'), ev(1, 'started'), ev(0, 'terminal'), ev(1, 'terminal')]), 'together');
  assert.equal(packSchedule([ev(0, 'started'), ev(1, 'terminal')]), 'together');
});

test('stepsTrained counts a diverged trial up to its bad step and refuses a failed one', () => {
  const r = (outcome: TrialResult['outcome'], step: number): TrialResult => ({ trialId: 't', outcome, step, final: { step }, backend: 'wasm', lrConvention: '', durationMs: 0 });
  assert.equal(stepsTrained(r('succeeded', 100), 100), 100);
  assert.equal(stepsTrained(r('diverged', 7), 100), 8);
  assert.equal(stepsTrained(r('diverged', 100), 100), 100);
  assert.throws(() => stepsTrained(r('failed', 3), 100), /failed/);
});

test('lrSeedGrid: every lr with every seed, lr-major, lrs doubling', () => {
  const g = lrSeedGrid(0.5, 3, 2);
  assert.deepEqual(g.lrs, [0.5, 0.5, 1, 1, 2, 2]);
  assert.deepEqual(g.seeds, [0, 1, 0, 1, 0, 1]);
});

function run(packedOverLoop: number, packedOverVmap: number, width: number): BenchRun {
  const side = (wall: number) => ({ wall, cpu: wall, trialSteps: 6400 });
  const row: WidthRow = {
    width, trials: 64,
    sides: { 'packed wasm': side(packedOverLoop * 100), 'unpacked wasm': side(100), 'jax loop': side(100), 'jax vmap': side((packedOverLoop * 100) / packedOverVmap) },
    agreement: { wasm: { ok: true, outcomeMismatches: [], worst: 0, worstTrial: -1 } }, schedule: { wasm: 'sequential' },
  };
  return {
    command: 'node dist/bench/pack-throughput/run.js', commit: 'abc', date: '2026-01-01', cpu: 'Test CPU', vector: 'AVX2', cpus: 2,
    threads: 1, rounds: 1, load: [1, 1], node: 'v20', jax: '0.0', tolerance: null, steps: 100, lrs: [0.1], seeds: 8, backends: ['wasm'], widths: [width], rows: [row],
  };
}

test('the block states the goal verdicts its figures give, and the CPU', () => {
  const met = renderBlock(run(3.5, 1.2, 64));
  assert.match(met, /vs JAX loop 3\.50× \(CPU time 3\.50×\) \(goal ≥ 3×: met\), vs JAX vmap 1\.20× \(CPU time 1\.20×\) \(goal ≥ 1×: met\)/);
  assert.match(met, /Test CPU \(AVX2\)/);
  assert.match(met, /sequential runPack/);
  const missed = renderBlock(run(2.9, 0.8, 256));
  assert.match(missed, /goal ≥ 3×: not met.*goal ≥ 1×: not met/);
  // above width 256 only the vmap goal applies
  assert.doesNotMatch(renderBlock(run(1, 1, 1024)), /goal ≥ 3×/);
});

test('the written block is replaced in place, and the results-page generator keeps it', () => {
  assert.ok(BENCH_BLOCKS.some((b) => b.name === BLOCK));
  const page = assemblePage(null, new Map(), [BLOCK], benchPlaceholder);
  const first = replaceBlock(page, renderBlock(run(1, 1, 64)));
  assert.equal(parseBlocks(first).size, 1);
  const second = replaceBlock(first, renderBlock(run(2, 2, 64)));
  assert.equal(parseBlocks(second).size, 1);
  assert.match(second, /vs JAX loop 2\.00×/);
  assert.doesNotMatch(second, /vs JAX loop 1\.00×/);
  // regenerating the page without new blocks keeps the benchmark's block as written
  assert.equal(assemblePage(second, new Map(), [BLOCK], benchPlaceholder), second);
  // a page without the block gets it appended
  assert.equal(parseBlocks(replaceBlock('# page\n', renderBlock(run(1, 1, 64)))).get(BLOCK)?.includes('Throughput: packed trials'), true);
});
