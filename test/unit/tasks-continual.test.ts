// continual: rotated task sequences — norms preserved, stated angles, composition, targets kept,
// teacher directions rotated, image rotation exact on pixel turns and on affine images.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { taskSchema } from '../../core/config/trial.js';
import { createTask } from '../../core/tasks/index.js';
import { PlaneRotation } from '../../core/tasks/rotation.js';
import { Rng } from '../../core/rng.js';
import type { Dataset } from '../../core/tasks/task.js';
import { specDataAccess } from '../../core/tasks/file/data-roots.js';

const dir = mkdtempSync(join(tmpdir(), 'sweep-tasks-continual-'));
/** file tasks may read the test's folder, as if a spec there named the files */
const dataDir = () => specDataAccess(join(dir, 'spec.yaml'), [], {});
after(() => rmSync(dir, { recursive: true, force: true }));

const continual = (base: object, extra: object = {}) => taskSchema.parse({ kind: 'continual', base, ...extra });
const row = (ds: Dataset, i: number) => ds.x.subarray(i * ds.inputDim, (i + 1) * ds.inputDim);
const dotp = (a: ArrayLike<number>, b: ArrayLike<number>) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; };

test('continual (vector inputs): each task rotates every input by k·φ, preserving norms and targets', () => {
  const base = { kind: 'teacher-mlp', inputDim: 10, trainSize: 64, testSize: 200 };
  const t = createTask(continual(base, { tasks: 4, rotationDegrees: 30 }), 3);
  assert.equal(t.kind, 'continual');
  assert.equal(t.sequence!.length, 4);
  const plain = createTask(taskSchema.parse(base), 3);
  assert.deepEqual(t.sequence![0].test, plain.test, 'task 0 is the base task');
  assert.deepEqual(t.sequence![0].batch(2, 8), plain.batch(2, 8));
  assert.deepEqual(t.test, plain.test);
  for (let k = 1; k < 4; k++) {
    const sub = t.sequence![k];
    assert.equal(sub.inputDim, 10);
    assert.deepEqual(sub.test.y, plain.test.y, 'targets unchanged');
    const checkRotated = (x: Float32Array, xr: Float32Array, what: string) => {
      const n0 = Math.sqrt(dotp(x, x)), n1 = Math.sqrt(dotp(xr, xr));
      assert.ok(Math.abs(n1 - n0) < 1e-5 * n0, `task ${k} ${what}: norm ${n1} vs ${n0}`);
      // D even: every plane turns by the same angle, so the angle between x and R·x is k·φ
      const cos = dotp(x, xr) / (n0 * n1);
      assert.ok(Math.abs(cos - Math.cos((k * 30 * Math.PI) / 180)) < 1e-5, `task ${k} ${what}: cos ${cos}`);
    };
    for (const [a, b] of [[plain.test, sub.test], [plain.train!, sub.train!]] as const) {
      for (let i = 0; i < a.n; i++) checkRotated(row(a, i), row(b, i), `row ${i}`);
    }
    // minibatches: rotated training rows (found by their target), in the subtask's own shuffle
    const batch = sub.batch(5, 16);
    const trainRow = new Map(Array.from(plain.train!.y, (v, i) => [v, i]));
    for (let i = 0; i < batch.n; i++) checkRotated(row(plain.train!, trainRow.get(batch.y[i])!), row(batch, i), `batch row ${i}`);
    assert.notDeepEqual(batch.y, plain.batch(5, 16).y, 'each task shuffles on its own stream');
    // rotation by k·φ is the k-th power of one rotation: <x1_i, x2_j> = <x0_i, x1_j>
    if (k === 2) {
      const [x0, x1, x2] = [plain.test, t.sequence![1].test, sub.test];
      for (let i = 0; i < 20; i++) {
        for (let j = 0; j < 20; j++) {
          assert.ok(Math.abs(dotp(row(x1, i), row(x2, j)) - dotp(row(x0, i), row(x1, j))) < 1e-4);
        }
      }
    }
  }
  assert.equal(t.sequence![1].batch(0, 0), t.sequence![1].train, 'full batch is the rotated training set, reused');
  assert.deepEqual(createTask(continual(base, { tasks: 4, rotationDegrees: 30 }), 3).sequence![3].test, t.sequence![3].test);
});

test('plane rotation: orthogonal, trace 2⌊D/2⌋cos φ + (D mod 2), one fixed direction for odd D', () => {
  for (const D of [2, 7, 12]) {
    const planes = PlaneRotation.planes(new Rng(1, 'test'), D);
    const phi = 0.7;
    const R = new PlaneRotation(planes, phi);
    const cols: Float64Array[] = [];
    for (let j = 0; j < D; j++) {
      const e = new Float32Array(D); e[j] = 1;
      const out = new Float64Array(D);
      R.apply(e, out);
      cols.push(out);
    }
    for (let a = 0; a < D; a++) for (let b = 0; b < D; b++) assert.ok(Math.abs(dotp(cols[a], cols[b]) - (a === b ? 1 : 0)) < 1e-12);
    const trace = cols.reduce((s, c, j) => s + c[j], 0);
    assert.ok(Math.abs(trace - (2 * Math.floor(D / 2) * Math.cos(phi) + (D % 2))) < 1e-12, `D=${D} trace ${trace}`);
  }
});

test('continual multi-index: rotated teacher directions explain the rotated task exactly', () => {
  const t = createTask(continual({ kind: 'multi-index', inputDim: 12, target: 'z1+z1*z2', testSize: 100 }, { tasks: 3, rotationDegrees: 45 }), 8);
  for (const sub of t.sequence!) {
    const [w1, w2] = sub.teacherDirections!;
    assert.ok(Math.abs(dotp(w1, w1) - 1) < 1e-6 && Math.abs(dotp(w1, w2)) < 1e-6);
    for (let i = 0; i < 100; i++) {
      const h1 = dotp(w1, row(sub.test, i)), h2 = dotp(w2, row(sub.test, i));
      assert.ok(Math.abs(h1 + h1 * h2 - sub.test.y[i]) < 1e-4);
    }
  }
  assert.equal(t.sequence![1].train, undefined, 'online base: online subtasks');
  // online batches of task k are fresh samples of the rotated task, not task 0's samples rotated
  const b1 = t.sequence![1].batch(3, 200), b0 = t.sequence![0].batch(3, 200);
  const [w1, w2] = t.sequence![1].teacherDirections!;
  for (let i = 0; i < 200; i++) {
    const h1 = dotp(w1, row(b1, i)), h2 = dotp(w2, row(b1, i));
    assert.ok(Math.abs(h1 + h1 * h2 - b1.y[i]) < 1e-4);
  }
  assert.notDeepEqual(b1.y, b0.y);
  assert.deepEqual(b1.x, createTask(continual({ kind: 'multi-index', inputDim: 12, target: 'z1+z1*z2', testSize: 100 }, { tasks: 3, rotationDegrees: 45 }), 8).sequence![1].batch(3, 200).x);
  assert.notDeepEqual(t.sequence![1].teacherDirections, t.sequence![0].teacherDirections);
});

// 9×9 images written as IDX (uint8): an affine image a·col + b·row + c, and labels.
function writeImages(): { x: string; y: string; pixels: number[] } {
  const h = 9, w = 9, n = 2;
  const pixels: number[] = [];
  for (let i = 0; i < n; i++) for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) pixels.push(i === 0 ? 10 + 20 * c + 5 * r : (r * 31 + c * 17) % 256);
  const header = Buffer.from([0, 0, 8, 3, 0, 0, 0, n, 0, 0, 0, h, 0, 0, 0, w]);
  writeFileSync(join(dir, 'img.idx'), Buffer.concat([header, Buffer.from(pixels)]));
  writeFileSync(join(dir, 'lab.idx'), Buffer.from([0, 0, 8, 1, 0, 0, 0, n, 0, 1]));
  return { x: join(dir, 'img.idx'), y: join(dir, 'lab.idx'), pixels };
}

test('continual on images: pixel-plane rotation (exact for 90° turns and for affine images inside the frame)', () => {
  const { x, y, pixels } = writeImages();
  const file = { kind: 'file', format: 'idx', train: { x, y }, test: { x, y }, normalize: false };
  const quarter = createTask(continual(file, { tasks: 5, rotationDegrees: 90 }), 0, dataDir());
  const img = (ds: Dataset, i: number, r: number, c: number) => ds.x[i * 81 + r * 9 + c];
  for (let i = 0; i < 2; i++) {
    for (let r = 0; r < 9; r++) {
      for (let c = 0; c < 9; c++) {
        const src = pixels[i * 81 + r * 9 + c] / 255;
        // counterclockwise by 90°: the input's right column becomes the output's top row
        assert.ok(Math.abs(img(quarter.sequence![1].test, i, 8 - c, r) - src) < 1e-6);
        assert.ok(Math.abs(img(quarter.sequence![2].test, i, 8 - r, 8 - c) - src) < 1e-6);
        assert.ok(Math.abs(img(quarter.sequence![4].test, i, r, c) - src) < 1e-6, '360° is the identity');
      }
    }
  }
  // 30°: an affine image is reproduced exactly wherever the back-rotated position lies inside
  const phi = (30 * Math.PI) / 180;
  const t30 = createTask(continual(file, { tasks: 2, rotationDegrees: 30 }), 0, dataDir()).sequence![1].test;
  let inside = 0, outside = 0;
  for (let r = 0; r < 9; r++) {
    for (let c = 0; c < 9; c++) {
      const u = c - 4, v = 4 - r;
      const sc = 4 + Math.cos(phi) * u + Math.sin(phi) * v, sr = 4 - (-Math.sin(phi) * u + Math.cos(phi) * v);
      const got = img(t30, 0, r, c);
      if (sc >= 0 && sc <= 8 && sr >= 0 && sr <= 8) {
        inside++;
        assert.ok(Math.abs(got - (10 + 20 * sc + 5 * sr) / 255) < 1e-5, `(${r},${c})`);
      } else if (sc < -1 || sc > 9 || sr < -1 || sr > 9) {
        outside++;
        assert.equal(got, 0, 'blank outside the frame');
      }
    }
  }
  assert.ok(inside > 40 && outside > 0);
  // standardised images rotate with the standardised blank value: rotation commutes with scaling
  const norm = createTask(continual({ ...file, normalize: true }, { tasks: 2, rotationDegrees: 30 }), 0, dataDir());
  const raw = createTask(continual(file, { tasks: 2, rotationDegrees: 30 }), 0, dataDir());
  let s = 0, ss = 0;
  for (const v of raw.sequence![0].train!.x) { s += v; ss += v * v; }
  const mean = s / 162, std = Math.sqrt(ss / 162 - mean * mean);
  norm.sequence![1].test.x.forEach((v, k) => assert.ok(Math.abs(v - (raw.sequence![1].test.x[k] - mean) / std) < 1e-4));
});

test('continual: a 1-D base input cannot be rotated', () => {
  writeFileSync(join(dir, 'one.csv'), '1,0\n2,1\n3,0\n4,1\n5,0\n');
  assert.throws(() => createTask(continual({ kind: 'file', format: 'csv', train: { x: join(dir, 'one.csv') } }), 0, dataDir()),
    (err: Error) => /^task\.base: a file with 1 input dimension cannot be rotated/.test(err.message));
});
