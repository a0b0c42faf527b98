// The training loop and runTrial's contract: message order and content, evaluation schedule,
// divergence, determinism, cancellation, failures as outcomes, classification, Adam/momentum,
// continual tasks (accuracy matrix, AA, AF) and giant-step mode (P5 overlaps).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { BusMessage, MetricMessage, TrialEvent } from '../../core/messages.js';
import { isEvent } from '../../core/messages.js';
import { activeBackend, initBackend, runTrial } from '../../core/train/run-trial.js';
import { logSpacedSteps } from '../../core/train/schedule.js';
import { continualSummary } from '../../core/train/continual.js';
import { createTask } from '../../core/tasks/index.js';
import { Mlp } from '../../core/model/mlp.js';
import { trialConfigSchema, type TrialConfigInput } from '../../core/config/trial.js';
import { formatIssues } from '../../core/config/errors.js';
import type { TrialResult } from '../../core/outcome.js';
import { dataset, fixedTask, trial, useWasm } from './trainer-fixtures.js';
import * as ref from './trainer-reference.js';

before(async () => {
  await useWasm();
});

const base = (over: Partial<TrialConfigInput> = {}): TrialConfigInput => ({
  seed: 1,
  task: { kind: 'teacher-mlp', inputDim: 8, trainSize: 256, testSize: 128 },
  model: { width: 32, depth: 3, parametrization: 'mup', activation: 'tanh' },
  optimizer: { kind: 'sgd', lr: 0.5 },
  train: { steps: 60, batchSize: 32, evalEvery: 20, logEvalPoints: 4 },
  backend: { name: 'wasm', threads: 1 },
  ...over,
});

async function run(input: TrialConfigInput, extra: { signal?: AbortSignal; onMessage?: (m: BusMessage) => void; task?: Parameters<typeof runTrial>[1]['task'] } = {}): Promise<{ result: TrialResult; messages: BusMessage[]; metrics: MetricMessage[]; events: TrialEvent[] }> {
  const messages: BusMessage[] = [];
  const result = await runTrial(trial(input), {
    sweepId: 'sw', trialId: 'tr', attempt: 2, signal: extra.signal, task: extra.task,
    emit: (m) => { messages.push(m); extra.onMessage?.(m); },
  });
  return {
    result, messages,
    metrics: messages.filter((m): m is MetricMessage => !isEvent(m)),
    events: messages.filter(isEvent),
  };
}

test('log-spaced evaluation steps cover [1, steps] without duplicates', () => {
  assert.deepEqual(logSpacedSteps(1000, 4), [1, 10, 100, 1000]);
  assert.deepEqual(logSpacedSteps(5, 10), [1, 2, 3, 4, 5]);
  assert.deepEqual(logSpacedSteps(0, 3), []);
  assert.deepEqual(logSpacedSteps(60, 1), [60]);
});

test('a trial emits started, one metric per evaluation point, one terminal event; no tensors leak', async () => {
  const before = tf.memory().numTensors;
  const { result, messages, metrics, events } = await run(base({
    measure: { sharpness: { every: 30, iterations: 10 }, coordCheck: { steps: 2 } },
  }));
  assert.equal(tf.memory().numTensors, before, 'every tensor of the trial is disposed');
  assert.equal(result.outcome, 'succeeded');
  assert.equal(result.step, 60);
  const started = messages[0] as TrialEvent;
  assert.equal(started.event, 'started');
  assert.match(started.backend!, /^wasm \(1 thread/);
  assert.equal(started.lrConvention, 'plain (docs/science.md §1): lr = η0; sgd, mup: every layer trains with η0·N');
  assert.equal(started.attempt, 2);
  assert.equal(events.length, 2);
  const last = messages[messages.length - 1] as TrialEvent;
  assert.equal(last.event, 'finished');
  assert.equal(last.step, 60);
  assert.ok(last.durationMs! >= 0 && typeof last.time === 'string');
  // step 0, log points {1, 4, 15, 60}, every 20, sharpness every 30, coord steps 0..2
  assert.deepEqual(metrics.map((m) => m.step), [0, 1, 2, 4, 15, 20, 30, 40, 60]);
  for (const m of metrics) {
    assert.equal(m.sweepId, 'sw');
    assert.equal(m.trialId, 'tr');
    assert.ok(Number.isFinite(m.trainLoss) && Number.isFinite(m.testLoss!));
    assert.ok(m.gradNorm! > 0);
    assert.equal(m.weightMovement!.length, 3);
    assert.equal(m.sharpness !== undefined, [0, 30, 60].includes(m.step), `sharpness at ${m.step}`);
    assert.equal(m.coord !== undefined, m.step <= 2, `coord at ${m.step}`);
  }
  assert.deepEqual(metrics[0].weightMovement, [0, 0, 0]);
  assert.ok(metrics[metrics.length - 1].weightMovement!.every((w) => w > 0));
  assert.equal(metrics[0].coord!.length, 3);
  assert.ok(metrics[metrics.length - 1].trainLoss < 0.5 * metrics[0].trainLoss, 'training reduces the loss');
  const final = metrics[metrics.length - 1];
  assert.deepEqual(result.final, {
    step: 60, trainLoss: final.trainLoss, testLoss: final.testLoss, sharpness: final.sharpness,
    sharpnessScaled: final.sharpnessScaled, gradNorm: final.gradNorm,
    minTrainLoss: Math.min(...metrics.map((m) => m.trainLoss)),
    // the largest loss of any step (minibatch) or evaluation, relative to the initial loss
    peakLossRatio: result.final.peakLossRatio,
  });
  assert.ok(result.final.peakLossRatio! >= Math.max(...metrics.map((m) => m.trainLoss)) / metrics[0].trainLoss);
  assert.deepEqual(last.final, result.final);
  // step 0: exact mean loss over the whole fixed training set (and the test set), against the
  // float64 reference on the same data and initial weights
  const cfg = trial(base());
  const task = createTask(cfg.task, cfg.seed);
  const init = new Mlp(cfg.model, cfg.optimizer, 8, 1).init(cfg.seed);
  const p0 = init.map((t) => Float64Array.from(t.dataSync()));
  init.forEach((t) => t.dispose());
  const net: ref.RefNet = { D: 8, N: 32, L: 3, out: 1, act: 'tanh', param: 'mup', gamma: 1, bias: false, centered: false, loss: 'mse' };
  const lossOn = (ds: { x: Float32Array; y: Float32Array; n: number }) => ref.lossAt(net, p0, p0, Float64Array.from(ds.x), Float64Array.from(ds.y), ds.n);
  assert.ok(Math.abs(metrics[0].trainLoss - lossOn(task.train!)) < 1e-5 * metrics[0].trainLoss);
  assert.ok(Math.abs(metrics[0].testLoss! - lossOn(task.test)) < 1e-5 * metrics[0].testLoss!);
  assert.ok(Math.abs(final.sharpnessScaled! - 0.5 * 32 * final.sharpness!) < 1e-6 * final.sharpnessScaled!, 'mup SGD: scaled = η0·N·λ');
});

test('same config and seed give identical metrics; another seed does not', async () => {
  const cfg = base({ measure: { sharpness: { every: 30, iterations: 8 } } });
  const strip = (ms: BusMessage[]) => ms.map((m) => {
    const { time, durationMs, ...rest } = m as TrialEvent;
    return rest;
  });
  const a = await run(cfg);
  const b = await run(cfg);
  assert.deepEqual(strip(b.messages), strip(a.messages));
  const c = await run({ ...cfg, seed: 2 });
  assert.notDeepEqual(c.metrics.map((m) => m.trainLoss), a.metrics.map((m) => m.trainLoss));
});

test('a huge learning rate ends the trial as diverged at the step it blew up, without throwing', async () => {
  const { result, metrics, events } = await run(base({
    optimizer: { kind: 'sgd', lr: 1e4 }, train: { steps: 200, batchSize: 32, evalEvery: 50, logEvalPoints: 0 },
  }));
  assert.equal(result.outcome, 'diverged');
  assert.ok(result.step > 0 && result.step < 200, `diverged at ${result.step}`);
  assert.match(result.error!, /loss/);
  const last = events[events.length - 1];
  assert.equal(last.event, 'diverged');
  assert.equal(last.step, result.step);
  assert.equal(events.filter((e) => e.event !== 'started').length, 1);
  for (const m of metrics) assert.ok(Number.isFinite(m.trainLoss));
});

test('the record says why a trial diverged; divergenceFactor 0 turns the bound off and trains on until the loss is non-finite', async () => {
  const over = (divergenceFactor?: number) => base({
    model: { width: 32, depth: 3, parametrization: 'mup', activation: 'linear' },
    optimizer: { kind: 'sgd', lr: 30 }, train: { steps: 400, batchSize: 32, evalEvery: 50, logEvalPoints: 0, ...(divergenceFactor === undefined ? {} : { divergenceFactor }) },
  });
  const bounded = await run(over());
  assert.equal(bounded.result.outcome, 'diverged');
  assert.equal(bounded.result.divergence, 'bound');
  assert.equal(bounded.events[bounded.events.length - 1].divergence, 'bound');
  const unbounded = await run(over(0));
  assert.equal(unbounded.result.outcome, 'diverged');
  assert.equal(unbounded.result.divergence, 'nonfinite');
  assert.equal(unbounded.events[unbounded.events.length - 1].divergence, 'nonfinite');
  assert.ok(unbounded.result.step > bounded.result.step, `nonfinite at ${unbounded.result.step}, bound at ${bounded.result.step}`);
  // a stable run has no divergence reason, with or without the bound
  const calm = await run(base({ train: { steps: 40, batchSize: 32, evalEvery: 20, logEvalPoints: 0, divergenceFactor: 0 } }));
  assert.equal(calm.result.outcome, 'succeeded');
  assert.equal(calm.result.divergence, undefined);
  // its peak loss ratio: at least 1 (the initial loss counts) and at least every evaluated loss's ratio
  const peak = calm.result.final.peakLossRatio!;
  const initial = calm.metrics[0].trainLoss!;
  assert.ok(peak >= 1, `peak ${peak}`);
  for (const m of calm.metrics) assert.ok(peak >= m.trainLoss! / initial - 1e-12, `step ${m.step}: ${m.trainLoss! / initial} > peak ${peak}`);
});

test('cancellation by AbortSignal: outcome cancelled, no metrics after it, terminal event cancelled', async () => {
  const ac = new AbortController();
  let seen = 0;
  const { result, metrics, events } = await run(base({ train: { steps: 5000, batchSize: 32, evalEvery: 10, logEvalPoints: 0 } }), {
    signal: ac.signal,
    onMessage: (m) => { if (!isEvent(m) && ++seen === 3) ac.abort(); },
  });
  assert.equal(result.outcome, 'cancelled');
  assert.ok(result.step >= 20 && result.step < 5000);
  assert.equal(metrics.length, 3);
  assert.equal(events[events.length - 1].event, 'cancelled');
  // aborted before it starts
  const pre = new AbortController();
  pre.abort();
  const r2 = await run(base(), { signal: pre.signal });
  assert.equal(r2.result.outcome, 'cancelled');
  assert.equal(r2.result.step, 0);
  assert.equal(r2.metrics.length, 0);
});

test('an error inside training is the outcome failed with its message', async () => {
  const train = dataset(ref.normals(1, 64 * 4), ref.normals(2, 64), 64, 4, 1);
  const task = fixedTask(train, train);
  task.batch = (step) => {
    if (step === 7) throw new Error('batch 7 is unreadable');
    return train;
  };
  const { result, events } = await run(base({ task: { kind: 'teacher-mlp', inputDim: 4 } }), { task });
  assert.equal(result.outcome, 'failed');
  assert.equal(result.error, 'batch 7 is unreadable');
  assert.equal(result.step, 4, 'the last evaluation point reached');
  assert.equal(events[events.length - 1].event, 'failed');
  assert.equal(events[events.length - 1].error, 'batch 7 is unreadable');
});

test('classification: cross-entropy by default, accuracy rises above chance', async () => {
  const { result, metrics } = await run(base({
    task: { kind: 'gaussian-mixture', inputDim: 8, classes: 4, separation: 3, trainSize: 512, testSize: 256 },
    model: { width: 32, depth: 2, parametrization: 'mup', activation: 'relu' },
    optimizer: { kind: 'sgd', lr: 1 },
  }));
  assert.equal(result.outcome, 'succeeded');
  const first = metrics[0], last = metrics[metrics.length - 1];
  assert.ok(Math.abs(first.trainLoss - Math.log(4)) < 0.1, `xent at init ≈ log 4: ${first.trainLoss}`);
  assert.ok(last.accuracy! > 0.8 && last.trainAccuracy! > 0.8, `accuracy ${last.accuracy}`);
  assert.equal(result.final.accuracy, last.accuracy);
});

test('Adam (µP) and SGD with momentum train; step-scaled sharpness follows each optimizer', async () => {
  const adam = await run(base({
    optimizer: { kind: 'adam', lr: 0.01 }, measure: { sharpness: { every: 30, iterations: 10 } },
  }));
  assert.equal(adam.result.outcome, 'succeeded');
  assert.match(adam.result.lrConvention, /adam, mup: hidden layers η0\/sqrt\(N\)/);
  const s = adam.metrics.filter((m) => m.sharpness !== undefined);
  assert.equal(s[0].sharpnessScaled, undefined, 'no Adam preconditioner before the first step');
  assert.ok(s[1].sharpnessScaled! > 0 && s[2].sharpnessScaled! > 0);
  assert.ok(adam.metrics[adam.metrics.length - 1].trainLoss < 0.5 * adam.metrics[0].trainLoss);
  const mom = await run(base({
    optimizer: { kind: 'sgd', lr: 0.2, momentum: 0.9 }, measure: { sharpness: { every: 30, iterations: 10 } },
  }));
  for (const m of mom.metrics.filter((x) => x.sharpness !== undefined)) {
    // heavy ball: stable iff η·λ < 2(1 + β)
    assert.ok(Math.abs(m.sharpnessScaled! - (0.2 * 32 * m.sharpness!) / 1.9) < 1e-6 * m.sharpnessScaled!);
  }
  assert.ok(mom.metrics[mom.metrics.length - 1].trainLoss < mom.metrics[0].trainLoss);
});

test('online task: fresh batches every step, training loss on a fixed sample', async () => {
  const { result, metrics } = await run(base({
    task: { kind: 'circle-power-law', harmonics: 16, q: 1, testSize: 256 },
    model: { width: 64, depth: 2, parametrization: 'mup', activation: 'relu' },
    optimizer: { kind: 'sgd', lr: 0.5 },
    measure: { sharpness: { every: 60, iterations: 5, batchSize: 128 } },
  }));
  assert.equal(result.outcome, 'succeeded');
  assert.ok(metrics[metrics.length - 1].testLoss! < metrics[0].testLoss!);
  assert.notEqual(metrics[0].trainLoss, metrics[0].testLoss, 'the training sample is not the test set');
});

test('continual: tasks in turn, accuracy matrix a[t][i], AA and AF from it', async () => {
  const { result, metrics, events } = await run(base({
    task: {
      kind: 'continual', tasks: 3, rotationDegrees: 60, stepsPerTask: 40,
      base: { kind: 'teacher-classes', inputDim: 12, classes: 3, trainSize: 512, testSize: 256 },
    },
    model: { width: 32, depth: 3, parametrization: 'mup', activation: 'relu' },
    optimizer: { kind: 'sgd', lr: 1 },
    train: { steps: 120, batchSize: 32, evalEvery: 20, logEvalPoints: 0 },
  }));
  assert.equal(result.outcome, 'succeeded');
  const c = result.continual!;
  assert.equal(c.matrix.length, 3);
  for (const row of c.matrix) assert.equal(row.length, 3);
  assert.deepEqual(events[events.length - 1].continual, c);
  // AA and AF recomputed from the matrix (Chaudhry et al.: forgetting over the first T − 1 tasks)
  const M = c.matrix;
  assert.ok(Math.abs(c.averageAccuracy - (M[2][0] + M[2][1] + M[2][2]) / 3) < 1e-12);
  const af = ((Math.max(M[0][0], M[1][0]) - M[2][0]) + (M[1][1] - M[2][1])) / 2;
  assert.ok(Math.abs(c.averageForgetting - af) < 1e-12);
  assert.ok(M[0][0] > 0.7 && M[2][2] > 0.7, 'each task is learned when trained');
  assert.ok(c.averageForgetting > 0.05, `training later tasks makes it forget: AF ${c.averageForgetting}`);
  // metric messages carry the task index and accuracies on every task so far
  const at = (s: number) => metrics.find((m) => m.step === s)!;
  assert.equal(at(40).task, 0);
  assert.equal(at(60).task, 1);
  assert.equal(at(60).taskAccuracy!.length, 2);
  assert.equal(at(120).taskAccuracy!.length, 3);
  assert.deepEqual(at(120).taskAccuracy, M[2]);
});

test('continual summary: regression scores (test loss) count forgetting as a loss increase', () => {
  const s = continualSummary([[0.1, 0.9, 0.9], [0.5, 0.2, 0.8], [0.7, 0.6, 0.3]], false);
  assert.ok(Math.abs(s.averageAccuracy - (0.7 + 0.6 + 0.3) / 3) < 1e-12);
  assert.ok(Math.abs(s.averageForgetting - ((0.7 - 0.1) + (0.6 - 0.2)) / 2) < 1e-12);
});

test('giant step (P5): the first update aligns with the linear teacher direction more as α = n/d grows', async () => {
  const out: TrialResult[] = [];
  for (const alpha of [0.5, 8, 32]) {
    const { result, metrics } = await run(base({
      task: { kind: 'multi-index', inputDim: 32, target: 'z1+z1*z2', testSize: 1024 },
      model: { width: 128, depth: 2, parametrization: 'mup', activation: 'relu' },
      optimizer: { kind: 'sgd', lr: 1 },
      giantStep: { alpha, steps: 2, lr: 20 },
    }));
    assert.equal(result.outcome, 'succeeded', result.error);
    assert.deepEqual(metrics.map((m) => m.step), [0, 1, 2]);
    assert.equal(metrics[2].testLoss, result.giantStep!.testLoss);
    out.push(result);
  }
  const g = out.map((r) => r.giantStep!);
  for (const x of g) {
    assert.equal(x.maxOverlap.length, 3); // init and after each of the 2 steps
    assert.equal(x.maxOverlap[0].length, 2); // two teacher directions
    assert.ok(x.maxOverlap[0][0] < 0.6, 'random neurons at init: |cos| = O(1/sqrt(d))');
  }
  assert.deepEqual(g.map((x) => x.alpha), [0.5, 8, 32]);
  const upd = g.map((x) => x.updateOverlap[0]);
  assert.ok(upd[0] < upd[1] && upd[1] < upd[2] && upd[2] > 0.9, `update overlap with w*_1: ${upd}`);
  assert.ok(g.every((x) => x.updateOverlap[1] < 0.35), 'z1*z2 has no linear part: the first step misses w*_2');
  const neuron = g.map((x) => x.maxOverlap[1][0]);
  assert.ok(neuron[2] > 0.85 && neuron[0] < neuron[2], `neurons after one step: ${neuron}`);
  assert.ok(g[2].testLoss < g[0].testLoss, 'a better first layer makes the ridge readout better');
});

test('configs the trainer cannot run are rejected at parse time, naming the field', () => {
  const problems = (c: TrialConfigInput) => {
    const r = trialConfigSchema.safeParse(c);
    return r.success ? [] : formatIssues(r.error.issues);
  };
  assert.deepEqual(problems(base({ train: { loss: 'xent' } })), ['train.loss: xent needs a classification task, but teacher-mlp is regression']);
  assert.deepEqual(problems(base({ task: { kind: 'multi-index' }, giantStep: { alpha: 1 } })),
    ['model.depth: giantStep trains the first layer of a two-layer network: depth must be 2, got 3']);
  assert.deepEqual(problems(base({ task: { kind: 'continual', base: { kind: 'teacher-classes' }, tasks: 3 }, train: { steps: 100 } })),
    ['train.steps: must be a multiple of task.tasks (3) so every task trains equally long, got 100']);
  assert.deepEqual(problems(base({ task: { kind: 'continual', base: { kind: 'multi-index' } }, model: { depth: 2 }, giantStep: { alpha: 1 }, train: { steps: 50 } })),
    ['giantStep: cannot be combined with a continual task']);
});

test('backend: auto keeps the active one; a native backend that does not load is a clear error', async () => {
  const wasm = await useWasm();
  assert.match(wasm, /^wasm \(1 thread/);
  assert.equal(await initBackend({ name: 'auto' }), wasm);
  // the GPU build is not made on machines without a GPU (scripts/install-tfjs-native.sh --gpu)
  await assert.rejects(initBackend({ name: 'tfjs-node-gpu' }), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'SWEEP_NATIVE_BACKEND_MISSING');
    assert.match(err.message, /^backend tfjs-node-gpu is not installed \(no build in .*\); run scripts\/install-tfjs-native\.sh --gpu$/);
    return true;
  });
  assert.equal(activeBackend(), wasm, 'a failed request leaves the backend in use');
  assert.equal(await initBackend({ name: 'cpu' }), 'cpu (plain JavaScript, for debugging)');
  assert.equal(await useWasm(), wasm);
});
