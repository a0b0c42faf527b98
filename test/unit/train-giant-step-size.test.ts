// A giant step larger than a fixed training set whose size only the data knows (a file) fails
// the trial with the reason, instead of silently reusing the whole set for every larger α.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { runTrial } from '../../core/train/run-trial.js';
import { dataset, fixedTask, trial, useWasm } from './trainer-fixtures.js';

before(async () => {
  await useWasm();
});

test('giant step: n = α·d above the training rows fails the trial naming both', async () => {
  const d = 4, rows = 10;
  const x = Array.from({ length: rows * d }, (_, i) => Math.sin(i));
  const task = fixedTask(dataset(x, x.filter((_, i) => i % d === 0), rows, d, 1), dataset(x, x.filter((_, i) => i % d === 0), rows, d, 1));
  const config = (alpha: number) => trial({
    task: { kind: 'multi-index', inputDim: d, target: 'He2(z1)' },
    model: { width: 8, depth: 2 }, optimizer: { kind: 'sgd', lr: 0.1 },
    train: { steps: 1, evalEvery: 0, logEvalPoints: 0 }, giantStep: { alpha, readoutSize: 8 },
    backend: { name: 'wasm', threads: 1 },
  });
  const run = (alpha: number) => runTrial(config(alpha), { sweepId: 's', trialId: 't', attempt: 1, task, emit: () => undefined });
  const ok = await run(2.5);
  assert.equal(ok.outcome, 'succeeded', ok.error);
  const tooBig = await run(3);
  assert.equal(tooBig.outcome, 'failed');
  assert.equal(tooBig.error, 'giantStep.alpha: 3 asks for n = α·d = 12 samples per giant step (d = 4), more than the 10 training rows; every step would reuse the whole set');
});
