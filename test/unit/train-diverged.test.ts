// A diverged trial's final metrics are those of the step it diverged at, not of the last
// evaluation before it (which, for a trial diverging early, is the initial loss).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MetricMessage, TrialEvent } from '../../core/messages.js';
import { isEvent } from '../../core/messages.js';
import { runTrial } from '../../core/train/run-trial.js';
import type { TrialConfigInput } from '../../core/config/trial.js';
import { trial, useWasm } from './trainer-fixtures.js';

before(async () => {
  await useWasm();
});

const config = (lr: number, divergenceFactor?: number): TrialConfigInput => ({
  seed: 3,
  task: { kind: 'teacher-mlp', inputDim: 8, trainSize: 256, testSize: 128 },
  model: { width: 32, depth: 3, parametrization: 'sp', activation: 'relu' },
  optimizer: { kind: 'sgd', lr },
  // evaluations only at steps 0 and 50: a divergence in between happens at a training step
  train: { steps: 100, batchSize: 32, evalEvery: 50, logEvalPoints: 0, ...(divergenceFactor ? { divergenceFactor } : {}) },
  measure: { gradNorm: false, weightMovement: false },
  backend: { name: 'wasm', threads: 1 },
});

async function run(c: TrialConfigInput) {
  const metrics: MetricMessage[] = [];
  let terminal: TrialEvent | undefined;
  const result = await runTrial(trial(c), { sweepId: 'sw', trialId: 'tr', emit: (m) => { if (isEvent(m)) terminal = m; else metrics.push(m); } });
  return { result, metrics, terminal: terminal! };
}

test('a loss above the bound: final is the step it diverged at, with that loss', async () => {
  const { result, metrics, terminal } = await run(config(2, 10));
  assert.equal(result.outcome, 'diverged', result.error);
  const initial = metrics[0].trainLoss;
  assert.ok(result.step > 0 && result.step < 50, `diverged at step ${result.step}, between evaluations`);
  assert.equal(result.final.step, result.step);
  assert.ok(result.final.trainLoss! > 10 * initial, `final loss ${result.final.trainLoss} above the bound ${10 * initial}`);
  assert.notEqual(result.final.trainLoss, initial, 'not the initial loss');
  assert.equal(result.final.testLoss, undefined, 'no test loss from an earlier step');
  assert.equal(result.final.minTrainLoss, initial, 'the lowest loss seen is kept');
  assert.deepEqual(terminal.final, result.final, 'the terminal event carries the same final metrics');
});

test('a non-finite loss is the final loss as it is (Infinity, NaN), and the error names it', async () => {
  // a bound out of reach, so only a non-finite loss ends the run
  // (which non-finite value a blow-up reaches, Infinity or NaN, depends on the rounding of the
  // overflowing products; the record must keep whichever it was)
  for (const lr of [1e20, 1e38]) {
    const { result } = await run(config(lr, 1e30));
    assert.equal(result.outcome, 'diverged');
    assert.equal(result.final.step, result.step);
    const shown = result.final.trainLoss;
    assert.ok(typeof shown === 'number' && !Number.isFinite(shown), `lr ${lr}: final ${shown}`);
    assert.equal(result.error, `loss is ${shown} at step ${result.step}`);
  }
});
