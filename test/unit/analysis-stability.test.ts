// The two stability rules of η_max (bound: divergenceFactor × initial loss; finite: no non-finite
// loss over the run, P3) on trial records with known outcomes, per trial and in the phase diagram.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSweep } from '../../core/analysis/analyze.js';
import { trialConfigSchema } from '../../core/config/trial.js';
import type { TrialRecord } from '../../core/outcome.js';
import { classifyStability, levelStability, type Divergence } from '../../core/stability.js';

test('classifyStability: every outcome under both rules', () => {
  const c = (outcome: TrialRecord['outcome'], divergence: Divergence | undefined, divergenceFactor: number) => [
    classifyStability({ outcome, divergence, divergenceFactor }, 'bound'), classifyStability({ outcome, divergence, divergenceFactor }, 'finite')];
  assert.deepEqual(c('succeeded', undefined, 1e6), ['stable', 'stable']);
  assert.deepEqual(c('succeeded', undefined, 0), ['unclassified', 'stable']);
  assert.deepEqual(c('diverged', 'bound', 1e6), ['unstable', 'unclassified']);
  assert.deepEqual(c('diverged', 'nonfinite', 1e6), ['unstable', 'unstable']);
  assert.deepEqual(c('diverged', 'nonfinite', 0), ['unstable', 'unstable']);
  assert.deepEqual(c('diverged', undefined, 1e6), ['unstable', 'unclassified'], 'a record that does not say why');
  assert.deepEqual(c('failed', undefined, 1e6), [null, null]);
  assert.deepEqual(c('cancelled', undefined, 1e6), [null, null]);
  assert.equal(levelStability(['stable', 'stable']), 'stable');
  assert.equal(levelStability(['stable', 'unclassified']), 'unstable');
  assert.equal(levelStability(['stable', null]), 'stable');
  assert.equal(levelStability([null]), null);
});

let n = 0;
/** One γ0 = 1 trial at `lr`; `end` is how it ended. */
function trial(lr: number, end: 'ok' | 'huge' | Divergence, divergenceFactor: number): TrialRecord {
  const id = `t${n++}`;
  const config = trialConfigSchema.parse({ task: { kind: 'teacher-mlp' }, model: { depth: 3 }, optimizer: { kind: 'sgd', lr }, train: { divergenceFactor } });
  const axes = { 'model.gamma': 1, 'optimizer.lr': lr };
  const common = { id, trialId: id, sweepId: 's', config, axes, backend: 'cpu', lrConvention: 'plain', durationMs: 1, finishedAt: '' };
  if (end === 'ok' || end === 'huge') return { ...common, outcome: 'succeeded', step: 100, final: { step: 100, trainLoss: end === 'ok' ? 0.1 / (1 + lr) : 1e9 } };
  return { ...common, outcome: 'diverged', divergence: end, step: 3, final: { step: 3 } };
}

const lrs = [0.01, 0.1, 1, 10];

test('phase diagram with the bound on: bound is exact; finite cannot classify the bound-stopped lr, says so and counts it unstable', async () => {
  // lr 1 stopped by the bound, lr 10 non-finite
  const ends = ['ok', 'ok', 'bound', 'nonfinite'] as const;
  const trials = lrs.map((lr, i) => trial(lr, ends[i], 1e6));
  const bound = (await analyzeSweep(trials, [], { phaseDiagram: {} })).phaseDiagram[0];
  assert.equal(bound.stability, 'bound');
  assert.equal(bound.perGamma[0].etaMax, 0.1);
  assert.deepEqual(bound.perGamma[0].etaMaxBracket, [0.1, 1]);
  assert.deepEqual(Object.keys(bound.perGamma[0].etaMaxByRule), ['bound'], 'finite cannot classify every trial: not carried');
  assert.equal(bound.perGamma[0].unclassified, 0);

  const s = await analyzeSweep(trials, [], { phaseDiagram: { stability: 'finite' } });
  const finite = s.phaseDiagram[0];
  assert.equal(finite.stability, 'finite');
  assert.equal(finite.perGamma[0].etaMax, 0.1, 'the bound-stopped lr counts as unstable');
  assert.equal(finite.perGamma[0].unclassified, 1);
  assert.deepEqual(Object.keys(finite.perGamma[0].etaMaxByRule).sort(), ['bound', 'finite']);
  assert.deepEqual(finite.points.map((p) => p.stable), [true, true, false, false]);
  assert.ok(s.notes.some((x) => /1 trial\(s\) .* cannot be classified by the finite rule and count as unstable/.test(x)), s.notes.join(' | '));
});

test('phase diagram with the bound off (divergenceFactor 0): finite keeps a huge finite loss as stable; bound cannot classify', async () => {
  const ends = ['ok', 'ok', 'huge', 'nonfinite'] as const;
  const trials = lrs.map((lr, i) => trial(lr, ends[i], 0));
  const s = await analyzeSweep(trials, [], { phaseDiagram: { stability: 'finite' } });
  const p = s.phaseDiagram[0];
  assert.equal(p.perGamma[0].etaMax, 1);
  assert.deepEqual(p.perGamma[0].etaMaxBracket, [1, 10]);
  assert.deepEqual(Object.keys(p.perGamma[0].etaMaxByRule), ['finite']);
  assert.ok(!s.notes.some((x) => x.includes('cannot be classified')), s.notes.join(' | '));

  const b = await analyzeSweep(trials, [], { phaseDiagram: { stability: 'bound' } });
  assert.equal(b.phaseDiagram[0].perGamma[0].unclassified, 3);
  assert.ok(b.notes.some((x) => x.includes('ran without the divergence bound')), b.notes.join(' | '));
});

test('phase diagram: both rules carried, and equal, when every divergence is non-finite under the bound', async () => {
  const ends = ['ok', 'ok', 'nonfinite', 'nonfinite'] as const;
  const p = (await analyzeSweep(lrs.map((lr, i) => trial(lr, ends[i], 1e6)), [], { phaseDiagram: {} })).phaseDiagram[0];
  assert.deepEqual(p.perGamma[0].etaMaxByRule, { bound: { etaMax: 0.1, etaMaxBracket: [0.1, 1] }, finite: { etaMax: 0.1, etaMaxBracket: [0.1, 1] } });
});

test('bound off with recorded peaks: one run gives η_max by both rules (the bound rule judges the peak against 10⁶)', async () => {
  const ends = ['ok', 'ok', 'huge', 'nonfinite'] as const;
  const peaks = [1.2, 3, 1e9 / 0.5, undefined];
  const trials = lrs.map((lr, i) => {
    const t = trial(lr, ends[i], 0);
    if (peaks[i] !== undefined) t.final = { ...t.final, peakLossRatio: peaks[i] };
    return t;
  });
  const p = (await analyzeSweep(trials, [], { phaseDiagram: { stability: 'finite' } })).phaseDiagram[0];
  assert.deepEqual(p.perGamma[0].etaMaxByRule, { finite: { etaMax: 1, etaMaxBracket: [1, 10] }, bound: { etaMax: 0.1, etaMaxBracket: [0.1, 1] } });
  assert.equal(p.perGamma[0].unclassified, 0);
  assert.deepEqual(Object.keys(p.etaMaxSlopesByRule).sort(), ['bound', 'finite'], 'slopes by both rules (one γ0: no slope values)');
  assert.equal(classifyStability({ outcome: 'succeeded', divergenceFactor: 0, peakLossRatio: 1e6 }, 'bound'), 'stable', 'the bound is "above", not "at"');
  assert.equal(classifyStability({ outcome: 'succeeded', divergenceFactor: 0, peakLossRatio: 1.0000001e6 }, 'bound'), 'unstable');
});
