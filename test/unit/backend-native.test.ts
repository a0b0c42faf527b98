// The native TensorFlow backend (scripts/install-tfjs-native.sh) against the wasm backend: the
// same trials on both, compared step by step, for every trial kind (standard with sharpness,
// continual, giant step); the `started` event names the backend; a missing build is an error
// naming the script. The build is part of `npm test`'s set-up, so its absence fails here.
//
// Tolerance: both backends compute in float32 (unit roundoff u = 6e-8) but sum in different
// orders (oneDNN's blocked GEMM vs our wasm kernel) and use different tanh/exp kernels, so each
// forward pass differs by a few u·sqrt(fan-in) ≈ 1e-6 relative. Training then carries that
// difference forward: in this stable regime (η·λ_max < 2) it grows at most by ∏(1 + η‖H‖) over
// the steps and stays far below 1e-3, while a real kernel fault (a wrong transpose flag, a
// wrong HVP) moves the loss by O(1). Losses and sharpness: |a − b| ≤ 1e-3·|b| + 1e-6.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BusMessage, MetricMessage, TrialEvent } from '../../core/messages.js';
import { isEvent } from '../../core/messages.js';
import { runTrial } from '../../core/train/run-trial.js';
import type { TrialConfigInput } from '../../core/config/trial.js';
import type { TrialResult } from '../../core/outcome.js';
import { trial } from './trainer-fixtures.js';

const REL = 1e-3, ABS = 1e-6;
const close = (a: number, b: number) => Math.abs(a - b) <= REL * Math.abs(b) + ABS;

async function run(input: TrialConfigInput, backend: 'wasm' | 'tfjs-node'): Promise<{ result: TrialResult; metrics: MetricMessage[]; events: TrialEvent[] }> {
  const messages: BusMessage[] = [];
  const result = await runTrial(trial({ ...input, backend: { name: backend, threads: 1 } }), {
    sweepId: 'native', trialId: backend, emit: (m) => { messages.push(m); },
  });
  assert.equal(result.outcome, 'succeeded', `${backend}: ${result.error}`);
  return { result, metrics: messages.filter((m): m is MetricMessage => !isEvent(m)), events: messages.filter(isEvent) };
}

function compareMetrics(wasm: MetricMessage[], native: MetricMessage[]): void {
  assert.deepEqual(native.map((m) => m.step), wasm.map((m) => m.step));
  for (let i = 0; i < wasm.length; i++) {
    for (const key of ['trainLoss', 'testLoss', 'sharpness', 'sharpnessScaled', 'accuracy'] as const) {
      const a = native[i][key], b = wasm[i][key];
      assert.equal(a === undefined, b === undefined, `step ${wasm[i].step}: ${key} present on one backend only`);
      if (typeof a === 'number' && typeof b === 'number') {
        assert.ok(close(a, b), `step ${wasm[i].step}: ${key} native ${a} vs wasm ${b}`);
      }
    }
  }
}

test('the started event names the native backend: TensorFlow version, native, threads', async () => {
  const { events } = await run({
    task: { kind: 'teacher-mlp', inputDim: 4, trainSize: 32, testSize: 16 },
    model: { width: 8, depth: 2 }, optimizer: { kind: 'sgd', lr: 0.1 },
    train: { steps: 2, batchSize: 0, evalEvery: 0, logEvalPoints: 0 },
  }, 'tfjs-node');
  assert.equal(events[0].event, 'started');
  assert.match(events[0].backend!, /^tensorflow 2\.\d+\.\d+ \(native, 1 thread\)$/);
  assert.equal(events[events.length - 1].backend, events[0].backend);
});

test('the same trial (µP tanh MLP, SGD, sharpness) on wasm and native agrees step by step', async () => {
  const input: TrialConfigInput = {
    seed: 3,
    task: { kind: 'teacher-mlp', inputDim: 16, trainSize: 256, testSize: 128 },
    model: { width: 64, depth: 3, parametrization: 'mup', activation: 'tanh' },
    optimizer: { kind: 'sgd', lr: 0.3 },
    train: { steps: 100, batchSize: 64, evalEvery: 20, logEvalPoints: 0 },
    measure: { sharpness: { every: 50, iterations: 20, tol: 1e-5 } },
  };
  const wasm = await run(input, 'wasm');
  const native = await run(input, 'tfjs-node');
  assert.match(wasm.events[0].backend!, /^wasm/);
  assert.ok(wasm.metrics.some((m) => m.sharpness !== undefined));
  compareMetrics(wasm.metrics, native.metrics);
  assert.ok(native.metrics[native.metrics.length - 1].trainLoss < native.metrics[0].trainLoss, 'it trains');
});

test('continual and giant-step trials run on native and agree with wasm', async () => {
  const continual: TrialConfigInput = {
    seed: 1,
    task: {
      kind: 'continual', tasks: 2, rotationDegrees: 60, stepsPerTask: 30,
      base: { kind: 'teacher-classes', inputDim: 8, classes: 3, trainSize: 256, testSize: 128 },
    },
    model: { width: 32, depth: 3, parametrization: 'mup', activation: 'relu' },
    optimizer: { kind: 'sgd', lr: 0.5 },
    train: { steps: 60, batchSize: 32, evalEvery: 30, logEvalPoints: 0 },
  };
  const cw = await run(continual, 'wasm');
  const cn = await run(continual, 'tfjs-node');
  compareMetrics(cw.metrics, cn.metrics);
  // accuracies are counts over 128 test rows: a logit that far from a tie moves no prediction
  assert.deepEqual(cn.result.continual!.matrix.length, cw.result.continual!.matrix.length);
  cn.result.continual!.matrix.forEach((row, t) => row.forEach((a, i) => {
    assert.ok(Math.abs(a - cw.result.continual!.matrix[t][i]) <= 2 / 128, `a[${t}][${i}] native ${a} vs wasm ${cw.result.continual!.matrix[t][i]}`);
  }));

  const giant: TrialConfigInput = {
    seed: 2,
    task: { kind: 'multi-index', inputDim: 16, target: 'z1+z1*z2', testSize: 256 },
    model: { width: 64, depth: 2, parametrization: 'mup', activation: 'relu' },
    optimizer: { kind: 'sgd', lr: 1 },
    giantStep: { alpha: 8, steps: 2, lr: 10 },
  };
  const gw = await run(giant, 'wasm');
  const gn = await run(giant, 'tfjs-node');
  compareMetrics(gw.metrics, gn.metrics);
  const ow = gw.result.giantStep!.maxOverlap, on = gn.result.giantStep!.maxOverlap;
  on.forEach((row, s) => row.forEach((v, k) => assert.ok(close(v, ow[s][k]), `overlap[${s}][${k}] native ${v} vs wasm ${ow[s][k]}`)));
});

test('asking for tfjs-node without its build is a one-line error naming the install script', () => {
  const empty = mkdtempSync(join(tmpdir(), 'sweep-no-native-'));
  try {
    const backendModule = new URL('../../core/backend/backend.js', import.meta.url).href;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', `
      const { initBackend } = await import(${JSON.stringify(backendModule)});
      try { await initBackend({ name: 'tfjs-node', threads: 1 }); console.log('loaded'); }
      catch (err) { console.log(JSON.stringify({ code: err.code, message: err.message })); }
    `], { env: { ...process.env, SWEEP_TFJS_NATIVE_DIR: empty }, encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    const out = JSON.parse(child.stdout.trim()) as { code: string; message: string };
    assert.equal(out.code, 'SWEEP_NATIVE_BACKEND_MISSING');
    assert.ok(!out.message.includes('\n'));
    assert.ok(out.message.includes('scripts/install-tfjs-native.sh') && out.message.includes(empty), out.message);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});
