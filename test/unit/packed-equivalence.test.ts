// The packed trainer against each trial run alone: every metric message, terminal event and
// result of a packed trial equals the same trial's solo run by runTrial. On wasm (our gemm runs
// each trial's slice of a batched product as the same single-trial kernel call, and every
// reduction is a sequential loop of the same length) the equality is bit for bit.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TrialConfigInput } from '../../core/config/trial.js';
import { useWasm } from './trainer-fixtures.js';
import { alone, comparable, packed } from './packed-fixtures.js';

before(async () => {
  await useWasm();
});

type Over = { seed?: number; lr?: number; gamma?: number; parametrization?: 'sp' | 'ntk' | 'mup' };

function regression(o: Over, shared: Partial<TrialConfigInput> = {}): TrialConfigInput {
  return {
    seed: o.seed ?? 1,
    task: { kind: 'teacher-mlp', inputDim: 8, trainSize: 256, testSize: 128 },
    model: { width: 32, depth: 3, parametrization: o.parametrization ?? 'mup', activation: 'tanh', gamma: o.gamma ?? 1 },
    optimizer: { kind: 'sgd', lr: o.lr ?? 0.1 },
    train: { steps: 30, batchSize: 32, evalEvery: 10, logEvalPoints: 3 },
    measure: { sharpness: { every: 10, batchSize: 64, iterations: 12 }, coordCheck: { steps: 2 } },
    backend: { name: 'wasm', threads: 1 },
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

test('sgd, tanh, mse: a pack mixing lr, seed, γ0 and sp/ntk/mup equals each trial alone, sharpness by power iteration', async () => {
  await assertEquivalent(mix.map((o) => regression(o)));
});

test('sgd with momentum and weight decay, relu with bias, Lanczos sharpness', async () => {
  await assertEquivalent(mix.map((o) => regression(o, {
    model: { width: 24, depth: 3, parametrization: o.parametrization ?? 'mup', activation: 'relu', gamma: o.gamma ?? 1, bias: true },
    optimizer: { kind: 'sgd', lr: (o.lr ?? 0.1) / 2, momentum: 0.9, weightDecay: 1e-3 },
    measure: { sharpness: { every: 15, batchSize: 64, iterations: 10, method: 'lanczos' } },
  })));
});

test('adam, classification with xent: accuracy and the step-scaled sharpness agree too', async () => {
  await assertEquivalent(mix.map((o) => regression(o, {
    task: { kind: 'gaussian-mixture', inputDim: 8, classes: 3, trainSize: 192, testSize: 96 },
    model: { width: 16, depth: 3, parametrization: o.parametrization ?? 'mup', activation: 'relu', gamma: o.gamma ?? 1 },
    optimizer: { kind: 'adam', lr: (o.lr ?? 0.1) / 20 },
    train: { steps: 24, batchSize: 0, evalEvery: 8, logEvalPoints: 2 },
  })));
});

test('a trial that diverges at step k ends as it does alone; the rest of its pack is unaffected', async () => {
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

test('members that cannot pack run alone, with the same reports', async () => {
  const configs = [
    regression({ seed: 1 }),
    regression({ seed: 2 }, { train: { steps: 20, batchSize: 32, evalEvery: 10, logEvalPoints: 3 } }),
    regression({ seed: 3 }),
  ];
  const pack = await packed(configs);
  for (let i = 0; i < configs.length; i++) assert.deepEqual(comparable(pack[i]), comparable(await alone(configs[i], `t${i}`)));
});

test('cancellation: an aborted member ends cancelled at the step it sees the abort, the others finish', async () => {
  const stop = new AbortController();
  stop.abort();
  const configs = [regression({ seed: 1 }), regression({ seed: 2 }), regression({ seed: 3 })];
  const pack = await packed(configs, [undefined, stop.signal, undefined]);
  assert.equal(pack[1].result.outcome, 'cancelled');
  assert.deepEqual(comparable(pack[1]), comparable(await alone(configs[1], 't1', stop.signal)));
  for (const i of [0, 2]) {
    assert.equal(pack[i].result.outcome, 'succeeded');
    assert.deepEqual(comparable(pack[i]), comparable(await alone(configs[i], `t${i}`)));
  }
});
