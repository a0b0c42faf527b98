// backend.step: compiled (core/backend/compiled-step.ts): the training step as one TensorFlow
// graph exported by TensorFlow's Python package. Checked against the eager step on the same
// backend (same weights within COMPILED_STEP_TOLERANCE after 20 steps, for every activation,
// with and without biases, centering, both losses) and against finite differences of the loss
// (the update it makes is −rate × the gradient); a run through runTrial names it in `started`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { COMPILED_STEP_TOLERANCE } from '../../core/backend/compiled-step.js';
import { attachCompiled } from '../../core/train/compiled.js';
import { STEPS_PER_CALL, Trainer } from '../../core/train/trainer.js';
import { runTrial } from '../../core/train/run-trial.js';
import type { TrialEvent } from '../../core/messages.js';
import { Rng } from '../../core/rng.js';
import { dataset, trial, useBackend } from './trainer-fixtures.js';
import { alone, packed } from './packed-fixtures.js';
import type { Activation } from '../../core/config/trial.js';

const native = { name: 'tfjs-node', threads: 1, step: 'eager' } as const;

function data(n: number, d: number, out: number, seed: number, classes = false) {
  const rng = new Rng(seed, 'compiled-test');
  const x = rng.fillNormal(new Float32Array(n * d)) as Float32Array;
  const y = new Float32Array(n * out);
  if (classes) for (let i = 0; i < n; i++) y[i * out + (i % out)] = 1;
  else rng.fillNormal(y);
  return dataset(x, y, n, d, out);
}

const flat = (ps: tf.Tensor[]) => ps.map((p) => Array.from(p.dataSync()));
function largestRelative(a: number[][], b: number[][]): number {
  let worst = 0;
  a.forEach((xs, i) => {
    const scale = Math.max(1e-6, ...xs.map(Math.abs));
    xs.forEach((v, j) => { worst = Math.max(worst, Math.abs(v - b[i][j]) / scale); });
  });
  return worst;
}

const cases: { activation: Activation; bias: boolean; loss: 'mse' | 'xent'; gamma?: number; parametrization: 'mup' | 'sp' | 'ntk' }[] = [
  { activation: 'relu', bias: false, loss: 'mse', parametrization: 'mup' },
  { activation: 'tanh', bias: true, loss: 'mse', parametrization: 'ntk' },
  { activation: 'gelu', bias: false, loss: 'xent', parametrization: 'sp' },
  { activation: 'linear', bias: true, loss: 'xent', parametrization: 'mup' },
  { activation: 'relu', bias: true, loss: 'mse', parametrization: 'mup', gamma: 0.5 },
];

/** A width-32 trial of case `c` on 8 inputs (3 classes for xent), plain SGD at 0.05. */
function caseConfig(c: (typeof cases)[number], seed: number) {
  return trial({
    seed,
    task: c.loss === 'xent' ? { kind: 'gaussian-mixture', inputDim: 8, classes: 3 } : { kind: 'teacher-mlp', inputDim: 8 },
    model: { width: 32, depth: 3, activation: c.activation, bias: c.bias, parametrization: c.parametrization, ...(c.gamma ? { gamma: c.gamma, center: true } : {}) },
    optimizer: { kind: 'sgd', lr: 0.05 },
    train: { loss: c.loss },
  });
}

for (const c of cases) {
  test(`compiled step equals the eager step within ${COMPILED_STEP_TOLERANCE} after 20 steps: ${JSON.stringify(c)}`, async () => {
    await useBackend(native);
    const out = c.loss === 'xent' ? 3 : 1;
    const config = caseConfig(c, 3);
    const ds = data(16, 8, out, 1, c.loss === 'xent');
    const eager = new Trainer(config, 8, out);
    const compiled = new Trainer(config, 8, out);
    await attachCompiled(compiled);
    const losses: [number, number][] = [];
    for (let s = 0; s < 20; s++) losses.push([eager.step(ds), compiled.step(ds)]);
    const diff = largestRelative(flat(eager.params), flat(compiled.params));
    assert.ok(diff <= COMPILED_STEP_TOLERANCE, `largest relative weight difference ${diff}`);
    for (const [a, b] of losses) assert.ok(Math.abs(a - b) <= COMPILED_STEP_TOLERANCE * Math.max(1, Math.abs(a)), `losses ${a} vs ${b}`);
    assert.ok(losses[19][1] < losses[0][1], 'the compiled run trains');
    eager.dispose();
    compiled.dispose();
  });
}

// Several steps in one graph call (Trainer.steps, the `steps` signature): its loop body is the
// one-step graph, so K steps in one call give the same float32 numbers as K calls, bit for bit.
for (const c of cases) {
  test(`${STEPS_PER_CALL} compiled steps in one call equal ${STEPS_PER_CALL} one-step calls bit for bit: ${JSON.stringify(c)}`, async () => {
    await useBackend(native);
    const out = c.loss === 'xent' ? 3 : 1;
    const config = caseConfig(c, 4);
    const batches = Array.from({ length: STEPS_PER_CALL }, (_, k) => data(16, 8, out, 10 + k, c.loss === 'xent'));
    const single = new Trainer(config, 8, out);
    const multi = new Trainer(config, 8, out);
    await attachCompiled(single);
    await attachCompiled(multi);
    assert.equal(multi.stepsPerCall(16, 8 + out), STEPS_PER_CALL);
    const one = batches.map((b) => single.step(b));
    const many = multi.steps(batches);
    assert.deepEqual(many, one, 'losses');
    assert.deepEqual(flat(multi.params), flat(single.params), 'weights after the steps');
    single.dispose();
    multi.dispose();
  });
}

test('a compiled trial that diverges inside a multi-step call ends at the step the eager trial ends at', async () => {
  const base = {
    seed: 2, task: { kind: 'teacher-mlp', inputDim: 8 },
    model: { width: 16, depth: 3 },
    optimizer: { kind: 'sgd', lr: 60 },
    train: { steps: 40, batchSize: 16, evalEvery: 40 },
  } as const;
  const run = (step: 'eager' | 'compiled') => runTrial(trial({ ...base, backend: { name: 'tfjs-node', threads: 1, step } }), {
    sweepId: 's', trialId: step, emit: async () => {},
  });
  const eager = await run('eager');
  const compiled = await run('compiled');
  assert.equal(eager.outcome, 'diverged');
  assert.ok(eager.step > 1 && eager.step % STEPS_PER_CALL !== 0, `the divergence falls inside a call (step ${eager.step})`);
  assert.equal(compiled.outcome, 'diverged');
  assert.equal(compiled.step, eager.step);
});

test('compiled step update is −rate × the gradient (central finite differences of the loss, float64 sums)', async () => {
  await useBackend(native);
  const config = trial({
    seed: 5, task: { kind: 'teacher-mlp', inputDim: 4 },
    model: { width: 8, depth: 3, activation: 'tanh', bias: true, parametrization: 'mup' },
    optimizer: { kind: 'sgd', lr: 0.01 },
  });
  const ds = data(6, 4, 1, 2);
  const tr = new Trainer(config, 4, 1);
  await attachCompiled(tr);
  const before = flat(tr.params);
  const rates = tr.optimizer.plainRates!()!;
  tr.step(ds);
  const after = flat(tr.params);
  // the loss in float64 from the model's definition: h = m·zW + bm·b, tanh, ½·mean‖f − y‖²
  const layers = tr.mlp.layers;
  const lossAt = (ps: number[][]) => {
    let total = 0;
    for (let i = 0; i < ds.n; i++) {
      let z = Array.from(ds.x.subarray(i * 4, i * 4 + 4));
      layers.forEach((s, l) => {
        const W = ps[2 * l], b = ps[2 * l + 1];
        const h = Array.from({ length: s.fanOut }, (_, o) => s.multiplier * z.reduce((acc, zi, k) => acc + zi * W[k * s.fanOut + o], 0) + s.biasMultiplier * b[o]);
        z = l < layers.length - 1 ? h.map(Math.tanh) : h;
      });
      total += 0.5 * (z[0] - ds.y[i]) ** 2;
    }
    return total / ds.n;
  };
  const eps = 1e-4;
  let checked = 0;
  before.forEach((p, i) => {
    for (let j = 0; j < p.length; j += Math.max(1, Math.floor(p.length / 7))) {
      const plus = before.map((q) => q.slice()), minus = before.map((q) => q.slice());
      plus[i][j] += eps;
      minus[i][j] -= eps;
      const fd = (lossAt(plus) - lossAt(minus)) / (2 * eps);
      const g = (before[i][j] - after[i][j]) / rates[i];
      assert.ok(Math.abs(g - fd) <= 2e-3 * Math.max(1, Math.abs(fd)), `param ${i}[${j}]: compiled ${g} vs finite differences ${fd}`);
      checked++;
    }
  });
  assert.ok(checked >= 30);
  tr.dispose();
});

test('a trial with step compiled says so in its started event and matches the eager trial', async () => {
  const base = {
    seed: 1, task: { kind: 'teacher-mlp', inputDim: 8 },
    model: { width: 16, depth: 3 },
    optimizer: { kind: 'sgd', lr: 0.1 },
    train: { steps: 30, batchSize: 16, evalEvery: 10 },
  } as const;
  const run = async (step: 'eager' | 'compiled') => {
    const events: TrialEvent[] = [];
    const r = await runTrial(trial({ ...base, backend: { name: 'tfjs-node', threads: 1, step } }), {
      sweepId: 's', trialId: step, emit: async (e) => { if ('event' in e) events.push(e as TrialEvent); },
    });
    return { r, started: events.find((e) => e.event === 'started')! };
  };
  const eager = await run('eager');
  const compiled = await run('compiled');
  assert.equal(compiled.r.outcome, 'succeeded');
  assert.match(compiled.started.backend!, /tensorflow .*; compiled step$/);
  assert.doesNotMatch(eager.started.backend!, /compiled/);
  const a = eager.r.final.trainLoss!, b = compiled.r.final.trainLoss!;
  assert.ok(Math.abs(a - b) <= COMPILED_STEP_TOLERANCE * Math.max(1, Math.abs(a)), `final training loss ${a} vs ${b}`);
});

test('step compiled is refused where it cannot run, naming the field', () => {
  const bad = (c: object) => () => trial({ task: { kind: 'teacher-mlp', inputDim: 4 }, optimizer: { kind: 'sgd', lr: 0.1 }, ...c });
  assert.throws(bad({ backend: { name: 'wasm', step: 'compiled' } }), /"backend",\s*"step"[^]*native backends \(tfjs-node, tfjs-node-gpu\), not wasm/);
  assert.throws(bad({ backend: { name: 'tfjs-node', step: 'compiled' }, optimizer: { kind: 'adam', lr: 0.01 } }), /"backend",\s*"step"[^]*plain SGD[^]*is adam/);
  assert.throws(bad({ backend: { name: 'tfjs-node', step: 'compiled' }, optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9 } }), /momentum 0\.9/);
});

// Packs with step compiled run the pack's graph (a trial axis on every tensor): each member's
// reports match the same trial alone with step compiled within COMPILED_STEP_TOLERANCE (a batched
// product may sum in another order than a single one), including a member that diverges mid-run
// (the pack drops it and goes on with the others' constants).
test('a compiled pack: every member as it runs alone compiled, a diverging member ends at its step', async () => {
  const cfg = (seed: number, lr: number, parametrization: 'mup' | 'sp' | 'ntk', gamma = 1) => ({
    seed, task: { kind: 'teacher-mlp', inputDim: 8, trainSize: 256, testSize: 128 },
    model: { width: 32, depth: 3, parametrization, activation: 'tanh', gamma, bias: true },
    optimizer: { kind: 'sgd', lr },
    train: { steps: 30, batchSize: 32, evalEvery: 10, logEvalPoints: 3 },
    backend: { name: 'tfjs-node', threads: 1, step: 'compiled' },
  } as const);
  const configs = [cfg(1, 0.1, 'mup'), cfg(2, 0.05, 'sp', 2), cfg(3, 0.2, 'ntk', 0.5), cfg(4, 400, 'mup')];
  const packs = await packed(configs);
  assert.match(packs[0].events[0].backend!, /; compiled step$/);
  for (let i = 0; i < configs.length; i++) {
    const solo = await alone(configs[i], `t${i}`);
    const p = packs[i];
    assert.equal(p.result.outcome, solo.result.outcome, `member ${i} outcome`);
    assert.equal(p.result.step, solo.result.step, `member ${i} end step`);
    assert.deepEqual(p.metrics.map((m) => m.step), solo.metrics.map((m) => m.step), `member ${i} metric steps`);
    p.metrics.forEach((m, k) => {
      const a = solo.metrics[k].trainLoss, b = m.trainLoss;
      if (a === undefined || b === undefined || !Number.isFinite(a)) return;
      assert.ok(Math.abs(a - b) <= COMPILED_STEP_TOLERANCE * Math.max(1, Math.abs(a)), `member ${i} step ${m.step}: train loss ${b} packed vs ${a} alone`);
    });
  }
  assert.equal(packs[3].result.outcome, 'diverged', 'the lr-400 member diverges');
  assert.ok(packs.slice(0, 3).every((p) => p.result.outcome === 'succeeded'));
});
