// A command trainer's seed is `params.seed`: analyses pool over it (intervals over seeds) as they
// pool over a built-in sweep's `seed`, instead of fitting each seed as its own group.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupTrials, seedOf, seedsOf } from '../../core/analysis/groups.js';
import type { TrialRecord } from '../../core/outcome.js';

const trial = (axes: Record<string, unknown>, params: Record<string, unknown> = {}) =>
  ({ axes, config: { trainer: 'command', params: { seed: 7, ...params } } }) as unknown as TrialRecord;

test('params.seed is the seed of a command trial and is not a group axis', () => {
  const axes = ['params.parametrization', 'params.width', 'params.seed'];
  const trials = [];
  for (const p of ['sp', 'mup']) for (const w of [64, 128]) for (const s of [0, 1, 2]) trials.push(trial({ 'params.parametrization': p, 'params.width': w, 'params.seed': s }));
  const groups = groupTrials(trials, axes, ['params.width', 'seed']);
  assert.deepEqual(groups.map((g) => g.label), [{ 'params.parametrization': 'sp' }, { 'params.parametrization': 'mup' }]);
  for (const g of groups) assert.deepEqual(seedsOf(g.trials), [0, 1, 2]);
  // not an axis: the seed the params hold
  assert.equal(seedOf(trial({ 'params.width': 64 })), 7);
  // an analysis that does not pool over seeds keeps it as an axis
  assert.equal(groupTrials(trials, axes, ['params.width']).length, 6);
});

test('a built-in trial keeps its seed axis', () => {
  const t = { axes: { seed: 3 }, config: { seed: 3 } } as unknown as TrialRecord;
  assert.equal(seedOf(t), 3);
  assert.equal(seedOf({ axes: {}, config: { seed: 5 } } as unknown as TrialRecord), 5);
});
