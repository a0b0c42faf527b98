// The packed trainer against each trial run alone: every metric message, terminal event and
// result of a packed trial equals the same trial's solo run by runTrial, bit for bit, on both
// test backends. Why exact equality holds: the packed model applies every per-trial factor to
// the same operand as mlp.ts; a batched product runs each trial's slice as the single-trial
// product of the same shape (our wasm gemm loops over the batch; TensorFlow's BatchMatMul
// likewise); every reduction is over the same elements in the same order, only with a trial
// axis in front; and products by 1 or sums with 0 that the packed code adds are exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BackendConfig, TrialConfigInput } from '../../core/config/trial.js';
import { TEST_BACKENDS } from './trainer-fixtures.js';
import { alone, comparable, packed, type Abort } from './packed-fixtures.js';
import { packKey } from '../../core/train/packed/pack-key.js';
import { sliceRows } from '../../core/train/packed/packed-data.js';
import { trial } from './trainer-fixtures.js';

type Over = { seed?: number; lr?: number; gamma?: number; parametrization?: 'sp' | 'ntk' | 'mup' };

let backend: BackendConfig = TEST_BACKENDS[0];

function regression(o: Over, shared: Partial<TrialConfigInput> = {}): TrialConfigInput {
  return {
    seed: o.seed ?? 1,
    task: { kind: 'teacher-mlp', inputDim: 8, trainSize: 256, testSize: 128 },
    model: { width: 32, depth: 3, parametrization: o.parametrization ?? 'mup', activation: 'tanh', gamma: o.gamma ?? 1 },
    optimizer: { kind: 'sgd', lr: o.lr ?? 0.1 },
    train: { steps: 30, batchSize: 32, evalEvery: 10, logEvalPoints: 3 },
    measure: { sharpness: { every: 10, batchSize: 64, iterations: 12 }, coordCheck: { steps: 2 } },
    backend,
    ...shared,
  };
}

const mix: Over[] = [
  { seed: 1, lr: 0.1, parametrization: 'mup' },
  { seed: 2, lr: 0.05, parametrization: 'sp', gamma: 2 },
  { seed: 3, lr: 0.2, parametrization: 'ntk', gamma: 0.5 },
  { seed: 1, lr: 0.02, parametrization: 'mup', gamma: 4 },
];

async function assertEquivalent(configs: TrialConfigInput[]): Promise<void> {
  const pack = await packed(configs);
  for (let i = 0; i < configs.length; i++) {
    const solo = await alone(configs[i], `t${i}`);
    assert.ok(pack[i].metrics.length > 1, 'the trial was measured');
    assert.deepEqual(comparable(pack[i]), comparable(solo), `trial ${i} (${JSON.stringify(configs[i].model)} lr ${JSON.stringify(configs[i].optimizer)})`);
  }
}

for (const b of TEST_BACKENDS) {
  test(`${b.name}: sgd, tanh, mse: a pack mixing lr, seed, γ0 and sp/ntk/mup equals each trial alone, sharpness by power iteration`, async () => {
    backend = b;
    await assertEquivalent(mix.map((o) => regression(o)));
  });

  test(`${b.name}: a test set longer than one evaluation slice (8 trials of width 256, 4,096 rows in 2 slices) evaluates as each trial alone`, async () => {
    backend = b;
    const rows = sliceRows(8, 256);
    assert.ok(rows < 4096, `one slice holds ${rows} rows, fewer than the test set's 4,096`);
    const seeds = [1, 2, 3, 4, 5, 6, 7, 8];
    await assertEquivalent(seeds.map((seed, i) => regression({ seed, lr: 0.05 * (1 + (i % 4)), parametrization: i % 2 ? 'sp' : 'mup' }, {
      task: { kind: 'teacher-mlp', inputDim: 8, trainSize: 128, testSize: 4096 },
      model: { width: 256, depth: 3, parametrization: i % 2 ? 'sp' : 'mup', activation: 'tanh', gamma: 1 },
      train: { steps: 4, batchSize: 32, evalEvery: 2, logEvalPoints: 0 },
      measure: {},
    })));
  });

  test(`${b.name}: sgd with momentum and weight decay, relu with bias, Lanczos sharpness`, async () => {
    backend = b;
    await assertEquivalent(mix.map((o) => regression(o, {
      model: { width: 24, depth: 3, parametrization: o.parametrization ?? 'mup', activation: 'relu', gamma: o.gamma ?? 1, bias: true },
      optimizer: { kind: 'sgd', lr: (o.lr ?? 0.1) / 2, momentum: 0.9, weightDecay: 1e-3 },
      measure: { sharpness: { every: 15, batchSize: 64, iterations: 10, method: 'lanczos' } },
    })));
  });

  test(`${b.name}: adam, classification with xent: accuracy and the step-scaled sharpness agree too`, async () => {
    backend = b;
    await assertEquivalent(mix.map((o) => regression(o, {
      task: { kind: 'gaussian-mixture', inputDim: 8, classes: 3, trainSize: 192, testSize: 96 },
      model: { width: 16, depth: 3, parametrization: o.parametrization ?? 'mup', activation: 'relu', gamma: o.gamma ?? 1 },
      optimizer: { kind: 'adam', lr: (o.lr ?? 0.1) / 20 },
      train: { steps: 24, batchSize: 0, evalEvery: 8, logEvalPoints: 2 },
    })));
  });

  test(`${b.name}: online data (fresh batches per trial), gelu with bias, the coord check; and depth 1 (a linear model)`, async () => {
    backend = b;
    await assertEquivalent(mix.map((o) => regression(o, {
      task: { kind: 'teacher-mlp', inputDim: 6, outputDim: 2, trainSize: 0, testSize: 200 },
      model: { width: 20, depth: 4, parametrization: o.parametrization ?? 'mup', activation: 'gelu', gamma: o.gamma ?? 1, bias: true },
      train: { steps: 12, batchSize: 16, evalEvery: 4, logEvalPoints: 0 },
      measure: { sharpness: { every: 6, batchSize: 48, iterations: 8 }, coordCheck: { steps: 3 } },
    })));
    await assertEquivalent(mix.map((o) => regression(o, {
      model: { width: 8, depth: 1, parametrization: o.parametrization ?? 'mup', activation: 'linear', gamma: o.gamma ?? 1 },
      optimizer: { kind: 'adam', lr: (o.lr ?? 0.1) / 10, weightDecay: 0.01 },
    })));
  });

  test(`${b.name}: a trial that diverges at step k ends as it does alone; the rest of its pack is unaffected`, async () => {
    backend = b;
    const configs = [
      regression({ seed: 1, lr: 0.1, parametrization: 'sp' }, { measure: { gradNorm: true } }),
      regression({ seed: 2, lr: 40, parametrization: 'sp' }, { measure: { gradNorm: true } }),
      regression({ seed: 3, lr: 0.05, parametrization: 'sp' }, { measure: { gradNorm: true } }),
    ].map((c) => ({ ...c, train: { ...c.train!, divergenceFactor: 10 } }));
    const pack = await packed(configs);
    assert.equal(pack[1].result.outcome, 'diverged', 'the large learning rate diverges');
    assert.ok(pack[1].result.step > 0 && pack[1].result.step < 30);
    assert.equal(pack[0].result.outcome, 'succeeded');
    assert.equal(pack[2].result.outcome, 'succeeded');
    for (let i = 0; i < configs.length; i++) {
      assert.deepEqual(comparable(pack[i]), comparable(await alone(configs[i], `t${i}`)), `trial ${i}`);
    }
  });

  test(`${b.name}: a trial whose loss turns non-finite at an evaluation ends there as it does alone`, async () => {
    backend = b;
    // no bound, an evaluation every step: the overflow shows first in the evaluated training loss
    const configs = [0.1, 1e20, 0.05].map((lr, i) => regression({ seed: i + 1, lr, parametrization: 'sp' }, {
      train: { steps: 12, batchSize: 32, evalEvery: 1, logEvalPoints: 0, divergenceFactor: 0 },
      measure: { sharpness: { every: 4, batchSize: 64, iterations: 6 } },
    }));
    const pack = await packed(configs);
    assert.deepEqual(pack.map((p) => p.result.outcome), ['succeeded', 'diverged', 'succeeded']);
    assert.equal(pack[1].result.divergence, 'nonfinite');
    for (let i = 0; i < configs.length; i++) assert.deepEqual(comparable(pack[i]), comparable(await alone(configs[i], `t${i}`)), `trial ${i}`);
  });

  test(`${b.name}: members that cannot pack run alone, with the same reports`, async () => {
    backend = b;
    const configs = [
      regression({ seed: 1 }),
      regression({ seed: 2 }, { train: { steps: 20, batchSize: 32, evalEvery: 10, logEvalPoints: 3 } }),
      regression({ seed: 3 }),
    ];
    const pack = await packed(configs);
    for (let i = 0; i < configs.length; i++) assert.deepEqual(comparable(pack[i]), comparable(await alone(configs[i], `t${i}`)));
  });

  test(`${b.name}: cancellation: a member aborted before its run or during it ends cancelled where it would alone, the others finish`, async () => {
    backend = b;
    const configs = [regression({ seed: 1 }), regression({ seed: 2 }), regression({ seed: 3 }), regression({ seed: 4 })];
    const aborts: (Abort | undefined)[] = [undefined, { at: 'start' }, { at: 10 }, undefined];
    const pack = await packed(configs, aborts);
    assert.deepEqual(pack.map((p) => p.result.outcome), ['succeeded', 'cancelled', 'cancelled', 'succeeded']);
    assert.equal(pack[2].result.step, 10, 'cancelled at the step whose report saw the abort');
    for (let i = 0; i < configs.length; i++) assert.deepEqual(comparable(pack[i]), comparable(await alone(configs[i], `t${i}`, aborts[i])), `trial ${i}`);
  });
}

test('continual and giant-step trials have no pack key: they train alone', () => {
  const continual = trial(regression({}, {
    task: { kind: 'continual', base: { kind: 'teacher-mlp', inputDim: 8, trainSize: 64, testSize: 32 }, tasks: 3 },
  }));
  assert.equal(packKey(continual), null);
  const giant = trial(regression({}, { model: { width: 32, depth: 2 }, giantStep: { alpha: 2 }, measure: {} }));
  assert.equal(packKey(giant), null);
  assert.notEqual(packKey(trial(regression({}))), null);
});
