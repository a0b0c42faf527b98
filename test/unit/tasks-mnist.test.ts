// mnist: the shipped digits as a task (shapes, stratified labels, pixel range, draws fixed by
// task.seed, disjoint train/test), image rotations of continual sequences against exact array
// rotations, size checks, and a short training run that learns the digits.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { taskSchema, trialConfigSchema } from '../../core/config/trial.js';
import { formatIssues } from '../../core/config/errors.js';
import { MNIST_DIGIT_COUNTS } from '../../core/config/mnist.js';
import { createTask } from '../../core/tasks/index.js';
import type { Dataset } from '../../core/tasks/task.js';
import { runTrial } from '../../core/train/run-trial.js';
import { trial, useWasm } from './trainer-fixtures.js';

const P = 784;
const mnist = (extra: object = {}) => taskSchema.parse({ kind: 'mnist', trainSize: 600, testSize: 200, ...extra });
const image = (ds: Dataset, i: number) => ds.x.subarray(i * P, (i + 1) * P);
const key = (ds: Dataset, i: number) => Buffer.from(image(ds, i).buffer, image(ds, i).byteOffset, P * 4).toString('base64');

before(async () => {
  await useWasm();
});

test('mnist: the digit counts validation relies on are those of the shipped files', () => {
  const dir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
  for (let d = 0; d < 10; d++) {
    const data = (JSON.parse(readFileSync(join(dir, `${d}.json`), 'utf8')) as { data: number[] }).data;
    assert.equal(data.length, MNIST_DIGIT_COUNTS[d] * P, `digit ${d}`);
  }
});

test('mnist: shapes, one-hot labels, stratified classes, raw pixels in [0, 1]', () => {
  const t = createTask(mnist({ normalize: false, trainSize: 603, testSize: 207 }), 0);
  assert.equal(t.kind, 'mnist');
  assert.equal(t.inputDim, P);
  assert.equal(t.outputDim, 10);
  assert.equal(t.classes, 10);
  assert.equal(t.classification, true);
  assert.equal(t.train!.n, 603);
  assert.equal(t.test.n, 207);
  for (const [ds, n] of [[t.train!, 603], [t.test, 207]] as const) {
    const count = new Array(10).fill(0);
    for (let i = 0; i < ds.n; i++) {
      count[ds.labels![i]]++;
      for (let c = 0; c < 10; c++) assert.equal(ds.y[i * 10 + c], c === ds.labels![i] ? 1 : 0);
    }
    // equal shares, the remainder to the first classes
    assert.deepEqual(count, count.map((_, c) => Math.floor(n / 10) + (c < n % 10 ? 1 : 0)));
    let lo = Infinity, hi = -Infinity;
    for (const v of ds.x) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    assert.equal(lo, 0);
    assert.ok(hi <= 1 && hi > 0.99, `max pixel ${hi}`);
  }
});

test('mnist: normalize standardises with one training-set mean and std', () => {
  const raw = createTask(mnist({ normalize: false }), 0), norm = createTask(mnist(), 0);
  let s = 0, ss = 0;
  for (const v of raw.train!.x) { s += v; ss += v * v; }
  const n = raw.train!.x.length, mean = s / n, std = Math.sqrt(ss / n - mean * mean);
  let s2 = 0, ss2 = 0;
  for (const v of norm.train!.x) { s2 += v; ss2 += v * v; }
  assert.ok(Math.abs(s2 / n) < 1e-5 && Math.abs(ss2 / n - 1) < 1e-4, 'training pixels have mean 0 and variance 1');
  for (let i = 0; i < 5000; i += 97) assert.ok(Math.abs(norm.test.x[i] - (raw.test.x[i] - mean) / std) < 1e-5);
});

test('mnist: task.seed draws the digits; the trial seed only the batches; train and test never overlap', () => {
  const a = createTask(mnist(), 0), again = createTask(mnist(), 3), other = createTask(mnist({ seed: 1 }), 0);
  assert.deepEqual(again.train!.x, a.train!.x);
  assert.deepEqual(again.test.x, a.test.x);
  assert.notDeepEqual(other.train!.x, a.train!.x);
  assert.notDeepEqual(a.batch(0, 32).x, again.batch(0, 32).x, 'another trial seed orders the minibatches differently');
  for (const t of [a, other]) {
    const train = new Set(Array.from({ length: t.train!.n }, (_, i) => key(t.train!, i)));
    for (let i = 0; i < t.test.n; i++) assert.ok(!train.has(key(t.test, i)), `test image ${i} is also a training image`);
  }
  // the test set does not depend on trainSize, and a larger training set contains a smaller one
  const raw = createTask(mnist({ normalize: false }), 0), big = createTask(mnist({ trainSize: 1200, normalize: false }), 0);
  assert.deepEqual(big.test.x, raw.test.x);
  const bigSet = new Set(Array.from({ length: big.train!.n }, (_, i) => key(big.train!, i)));
  for (let i = 0; i < raw.train!.n; i++) assert.ok(bigSet.has(key(raw.train!, i)));
});

test('mnist: a subset of digits, labelled in the order listed', () => {
  const t = createTask(mnist({ classes: [7, 1], normalize: false, trainSize: 100, testSize: 20 }), 0);
  assert.equal(t.outputDim, 2);
  const all = createTask(mnist({ normalize: false, trainSize: 1000, testSize: 20 }), 0);
  // class 0 is digit 7: its images are the 7s of the full task (same per-digit draw)
  const sevens = new Set<string>();
  for (let i = 0; i < all.train!.n; i++) if (all.train!.labels![i] === 7) sevens.add(key(all.train!, i));
  for (let i = 0; i < t.train!.n; i++) if (t.train!.labels![i] === 0) assert.ok(sevens.has(key(t.train!, i)));
});

test('mnist: sizes beyond the shipped digits and repeated classes are refused at validation', () => {
  const problems = (task: object) => {
    const r = trialConfigSchema.safeParse({ task, optimizer: { kind: 'sgd', lr: 0.1 }, train: { batchSize: 0 } });
    return r.success ? [] : formatIssues(r.error.issues);
  };
  assert.deepEqual(problems({ kind: 'mnist', trainSize: 8000, testSize: 630 }), []);
  const [big] = problems({ kind: 'mnist', trainSize: 8000, testSize: 640 });
  assert.match(big, /^task\.trainSize: 8000 training \+ 640 test digits need 864 images of digit 5 .* ships 863/);
  assert.deepEqual(problems({ kind: 'mnist', classes: [3, 3] }), ['task.classes[1]: digit 3 is listed twice']);
  assert.equal(problems({ kind: 'mnist', classes: [3] }).length, 1);
  assert.equal(problems({ kind: 'mnist', classes: [10, 1] }).length, 1);
  assert.match(problems({ kind: 'continual', base: { kind: 'mnist', trainSize: 9000 } })[0], /^task\.base\.trainSize: /);
});

test('mnist continual: a 90° task is the exact array rotation of the digits, 0° is the identity', () => {
  const seq = (deg: number) => createTask(taskSchema.parse({ kind: 'continual', tasks: 3, rotationDegrees: deg, base: { kind: 'mnist', trainSize: 100, testSize: 50 } }), 0).sequence!;
  const [t0, t90, t180] = seq(90);
  for (let i = 0; i < t0.test.n; i++) {
    const src = image(t0.test, i), rot = image(t90.test, i), rot2 = image(t180.test, i);
    for (let r = 0; r < 28; r++) {
      for (let c = 0; c < 28; c++) {
        // counterclockwise: out[r][c] = in[c][27 − r]; twice: out[r][c] = in[27 − r][27 − c]
        assert.equal(rot[r * 28 + c], src[c * 28 + 27 - r]);
        assert.equal(rot2[r * 28 + c], src[(27 - r) * 28 + 27 - c]);
      }
    }
  }
  assert.deepEqual(t90.test.labels, t0.test.labels);
  assert.deepEqual(t90.train!.x.subarray(0, P), Float32Array.from(image(t0.train!, 0)).map((_, k) => t0.train!.x[(k % 28) * 28 + 27 - Math.floor(k / 28)]));
  const [z0, z1] = seq(0);
  assert.deepEqual(z1.test.x, z0.test.x);
  assert.deepEqual(z1.train!.x, z0.train!.x);
});

test('mnist continual: 22.5° rotation is bilinear with blank (normalised 0) pixels outside, pixel mass nearly kept', () => {
  const cfg = (normalize: boolean) => taskSchema.parse({ kind: 'continual', tasks: 2, rotationDegrees: 22.5, base: { kind: 'mnist', trainSize: 100, testSize: 50, normalize } });
  const [r0, r1] = createTask(cfg(false), 0).sequence!;
  for (let i = 0; i < r0.test.n; i++) {
    let m0 = 0, m1 = 0;
    for (const v of image(r0.test, i)) m0 += v;
    for (const v of image(r1.test, i)) { m1 += v; assert.ok(v >= 0 && v <= 1 + 1e-6); }
    // digits sit in the central 20×20 box, which stays inside the frame when turned
    assert.ok(Math.abs(m1 / m0 - 1) < 0.05, `image ${i}: mass ${m0} → ${m1}`);
  }
  // rotating normalised images equals normalising rotated raw images (blank maps to blank)
  const n1 = createTask(cfg(true), 0).sequence![1];
  let s = 0, ss = 0;
  for (const v of r0.train!.x) { s += v; ss += v * v; }
  const mean = s / r0.train!.x.length, std = Math.sqrt(ss / r0.train!.x.length - mean * mean);
  for (let k = 0; k < n1.test.x.length; k += 7) assert.ok(Math.abs(n1.test.x[k] - (r1.test.x[k] - mean) / std) < 1e-4);
});

test('mnist: a short training run classifies the test digits far above chance', async () => {
  const config = trial({
    seed: 0,
    task: { kind: 'mnist', trainSize: 1000, testSize: 500 },
    model: { width: 64, depth: 2, parametrization: 'mup', activation: 'relu' },
    optimizer: { kind: 'sgd', lr: 2 },
    train: { steps: 150, batchSize: 50, evalEvery: 0, logEvalPoints: 0 },
    measure: { gradNorm: false, weightMovement: false },
    backend: { name: 'wasm', threads: 1 },
  });
  const result = await runTrial(config, { sweepId: 'sw', trialId: 'mnist', attempt: 1, emit: () => undefined });
  assert.equal(result.outcome, 'succeeded');
  const accuracy = result.final!.accuracy!;
  assert.ok(accuracy > 0.75, `test accuracy ${accuracy} (chance 0.1)`);
});
