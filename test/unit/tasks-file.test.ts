// file task: IDX, CSV and NPY readers round-trip files written here; malformed files fail with
// a one-line message naming the file and the problem (never quoting its content); scaling,
// standardisation, label remapping, held-out split and the row cap; float32 range, zero-feature
// arrays, the allowed data folders and the checks made before a sweep starts.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { taskSchema } from '../../core/config/trial.js';
import { resolveSpec } from '../../core/config/spec.js';
import { ConfigError } from '../../core/config/errors.js';
import { preflightFileTasks } from '../../core/tasks/file/preflight.js';
import { createTask } from '../../core/tasks/index.js';
import { readIdx } from '../../core/tasks/file/idx.js';
import { readNpy } from '../../core/tasks/file/npy.js';
import { readCsv } from '../../core/tasks/file/csv.js';
import { loadFileData, type FileTaskConfig } from '../../core/tasks/file/file-task.js';
import { DataPathError, resolveDataFile, specDataAccess, trainerDataAccess } from '../../core/tasks/file/data-roots.js';

const dir = mkdtempSync(join(tmpdir(), 'sweep-tasks-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const path = (name: string) => join(dir, name);
/** file tasks may read the test's folder, as if a spec there named the files */
const access = specDataAccess(path('spec.yaml'), [], {});
const fileCfg = (extra: object) => taskSchema.parse({ kind: 'file', ...extra }) as FileTaskConfig & { seed: number };

// ---- writers (independent of the readers) -------------------------------------------------

const IDX_CODE = { uint8: 0x08, int8: 0x09, int16: 0x0b, int32: 0x0c, float32: 0x0d, float64: 0x0e } as const;
const SIZE = { uint8: 1, int8: 1, int16: 2, int32: 4, float32: 4, float64: 8 } as const;

function idx(type: keyof typeof IDX_CODE, shape: number[], values: number[]): Buffer {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header[2] = IDX_CODE[type];
  header[3] = shape.length;
  shape.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  const body = Buffer.alloc(values.length * SIZE[type]);
  values.forEach((v, i) => {
    const o = i * SIZE[type];
    if (type === 'uint8') body.writeUInt8(v, o);
    else if (type === 'int8') body.writeInt8(v, o);
    else if (type === 'int16') body.writeInt16BE(v, o);
    else if (type === 'int32') body.writeInt32BE(v, o);
    else if (type === 'float32') body.writeFloatBE(v, o);
    else body.writeDoubleBE(v, o);
  });
  return Buffer.concat([header, body]);
}

const NPY_DESCR = { float32: '<f4', float64: '<f8', uint8: '|u1', int32: '<i4', int64: '<i8' } as const;

function npy(dtype: keyof typeof NPY_DESCR, shape: number[], values: number[], opts: { version?: 1 | 2; descr?: string; fortran?: boolean } = {}): Buffer {
  const version = opts.version ?? 1;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${opts.descr ?? NPY_DESCR[dtype]}', 'fortran_order': ${opts.fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const pre = version === 1 ? 10 : 12;
  header += ' '.repeat(63 - ((pre + header.length) % 64)) + '\n'; // pad so data starts at a multiple of 64
  const head = Buffer.alloc(pre);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]).copy(head);
  if (version === 1) head.writeUInt16LE(header.length, 8);
  else head.writeUInt32LE(header.length, 8);
  const size = { float32: 4, float64: 8, uint8: 1, int32: 4, int64: 8 }[dtype];
  const body = Buffer.alloc(values.length * size);
  values.forEach((v, i) => {
    const o = i * size;
    if (dtype === 'float32') body.writeFloatLE(v, o);
    else if (dtype === 'float64') body.writeDoubleLE(v, o);
    else if (dtype === 'uint8') body.writeUInt8(v, o);
    else if (dtype === 'int32') body.writeInt32LE(v, o);
    else body.writeBigInt64LE(BigInt(v), o);
  });
  return Buffer.concat([head, Buffer.from(header, 'latin1'), body]);
}

function write(name: string, content: Buffer | string): string {
  writeFileSync(path(name), content);
  return path(name);
}

// ---- readers ------------------------------------------------------------------------------

test('IDX: every type round-trips (big-endian), gzip is transparent, maxRows caps the rows read', () => {
  const values = [0, 1, 2, 100, 127, 5];
  for (const type of Object.keys(IDX_CODE) as (keyof typeof IDX_CODE)[]) {
    const vals = type === 'float32' || type === 'float64' ? values.map((v) => v / 4 - 3.5) : values;
    const f = write(`t-${type}.idx`, idx(type, [3, 2], vals));
    const a = readIdx(f);
    assert.equal(a.dtype, type);
    assert.deepEqual(a.shape, [3, 2]);
    assert.deepEqual(Array.from(a.data), vals);
    const capped = readIdx(f, 2);
    assert.deepEqual(capped.shape, [2, 2]);
    assert.equal(capped.totalRows, 3);
    assert.deepEqual(Array.from(capped.data), vals.slice(0, 4));
  }
  const gz = write('images.idx.gz', gzipSync(idx('uint8', [2, 2, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])));
  assert.deepEqual(readIdx(gz).shape, [2, 2, 3]);
  assert.deepEqual(Array.from(readIdx(gz).data), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
});

test('NPY: v1 of each dtype and a v2 header round-trip; 1-D arrays are rows', () => {
  const ints = [0, 3, 250, 7, 1, 9];
  for (const dtype of Object.keys(NPY_DESCR) as (keyof typeof NPY_DESCR)[]) {
    const vals = dtype.startsWith('float') ? ints.map((v) => v * 0.25 - 1) : dtype === 'int64' ? [-5, 3, 2 ** 40, 7, 1, 9] : ints;
    const f = write(`t-${dtype}.npy`, npy(dtype, [2, 3], vals));
    const a = readNpy(f);
    assert.equal(a.dtype, dtype === 'uint8' ? 'uint8' : dtype);
    assert.deepEqual(a.shape, [2, 3]);
    assert.deepEqual(Array.from(a.data), vals);
  }
  const v2 = readNpy(write('v2.npy', npy('float64', [4], [1, 2, 3, 4], { version: 2 })));
  assert.deepEqual(v2.shape, [4]);
  assert.deepEqual(Array.from(v2.data), [1, 2, 3, 4]);
  assert.deepEqual(Array.from(readNpy(path('v2.npy'), 2).data), [1, 2]);
});

test('CSV: with and without header, tab delimiter, quoted numbers, blank lines, maxRows', () => {
  const withHeader = readCsv(write('h.csv', 'a,b,label\n1,2.5,0\r\n-3e2,.5,1\n\n'));
  assert.deepEqual(withHeader.header, ['a', 'b', 'label']);
  assert.deepEqual(withHeader.shape, [2, 3]);
  assert.deepEqual(Array.from(withHeader.data), [1, 2.5, 0, -300, 0.5, 1]);
  const plain = readCsv(write('p.csv', '1,2,3\n4,5,6\n7,8,9\n'));
  assert.equal(plain.header, undefined);
  assert.deepEqual(plain.shape, [3, 3]);
  const capped = readCsv(path('p.csv'), 2);
  assert.deepEqual(capped.shape, [2, 3]);
  assert.equal(capped.totalRows, 3);
  const tabs = readCsv(write('t.tsv', 'x\ty\n"1"\t2\n'));
  assert.deepEqual(Array.from(tabs.data), [1, 2]);
});

// ---- malformed files ----------------------------------------------------------------------

test('malformed files: one-line errors naming the file and the problem', () => {
  const good = idx('uint8', [2, 3], [1, 2, 3, 4, 5, 6]);
  const cases: [string, () => unknown, RegExp][] = [
    ['missing file', () => readIdx(path('nope.idx')), /nope\.idx: cannot read \(no such file\)/],
    ['IDX bad magic', () => readIdx(write('bad-magic.idx', Buffer.concat([Buffer.from([1, 0]), good.subarray(2)]))), /bad-magic\.idx: bad IDX magic: the first two bytes must be 0x00 0x00$/],
    ['IDX unknown type', () => readIdx(write('bad-type.idx', Buffer.concat([Buffer.from([0, 0, 0x0a, 2]), good.subarray(4)]))), /bad-type\.idx: unsupported IDX data type code 0x0A/],
    ['IDX truncated header', () => readIdx(write('short-head.idx', good.subarray(0, 7))), /short-head\.idx: truncated IDX header/],
    ['IDX truncated data', () => readIdx(write('short.idx', good.subarray(0, good.length - 1))), /short\.idx: truncated IDX data: shape \[2, 3\] of uint8 needs 18 bytes, file has 17/],
    ['IDX trailing bytes', () => readIdx(write('long.idx', Buffer.concat([good, Buffer.from([0])]))), /long\.idx: 1 unexpected bytes after the IDX data/],
    ['IDX corrupt gzip', () => readIdx(write('bad.idx.gz', Buffer.from([0x1f, 0x8b, 1, 2, 3]))), /bad\.idx\.gz: corrupt gzip data/],
    ['NPY bad magic', () => readNpy(write('bad-magic.npy', Buffer.concat([Buffer.from('XNUMPY'), npy('float32', [1], [1]).subarray(6)]))), /bad-magic\.npy: bad NPY magic/],
    ['NPY big-endian', () => readNpy(write('be.npy', npy('float32', [2], [1, 2], { descr: '>f4' }))), /be\.npy: NPY dtype '>f4' \(big-endian\) unsupported/],
    ['NPY complex', () => readNpy(write('c8.npy', npy('float64', [2], [1, 2], { descr: '<c8' }))), /c8\.npy: NPY dtype '<c8' unsupported/],
    ['NPY Fortran order', () => readNpy(write('f.npy', npy('float32', [2, 2], [1, 2, 3, 4], { fortran: true }))), /f\.npy: NPY array in Fortran order unsupported/],
    ['NPY truncated', () => readNpy(write('short.npy', npy('float64', [3], [1, 2, 3]).subarray(0, 140))), /short\.npy: truncated NPY data: shape \(3\) of float64 needs 24 bytes, file has 12/],
    ['NPY version', () => { const b = npy('float32', [1], [1]); b[6] = 9; return readNpy(write('v9.npy', b)); }, /v9\.npy: unsupported NPY version 9\.0/],
    ['NPY int64 range', () => readNpy(write('big.npy', npy('int64', [1], [0]).fill(0x7f, 128))), /big\.npy: int64 value at element 1 is beyond ±2\^53/],
    ['CSV ragged', () => readCsv(write('ragged.csv', 'a,b\n1,2\n3\n')), /ragged\.csv: ragged CSV row at line 3: 1 cells, expected 2/],
    ['CSV non-numeric', () => readCsv(write('word.csv', '1,2\n3,x\n')), /word\.csv: line 2, column 2: not a number$/],
    ['CSV empty cell', () => readCsv(write('empty-cell.csv', '1,2\n,4\n')), /empty-cell\.csv: line 2, column 1: not a number$/],
    ['CSV empty file', () => readCsv(write('empty.csv', '\n\n')), /empty\.csv: empty CSV file/],
    ['CSV header only', () => readCsv(write('head-only.csv', 'a,b\n')), /head-only\.csv: CSV file has a header but no data rows/],
  ];
  for (const [name, fn, re] of cases) {
    assert.throws(fn, (err: Error) => {
      assert.match(err.message, re, name);
      assert.ok(!err.message.includes('\n'), `${name}: one line`);
      return true;
    }, name);
  }
});

test('file task errors: label count mismatch, bad labels, missing label file, bad column, dimension mismatch', () => {
  const x = write('x4.idx', idx('uint8', [4, 2], [1, 2, 3, 4, 5, 6, 7, 8]));
  const y3 = write('y3.idx', idx('uint8', [3], [0, 1, 0]));
  const y4 = write('y4.idx', idx('uint8', [4], [0, 1, 0, 1]));
  const oneClass = write('y1c.idx', idx('uint8', [4], [2, 2, 2, 2]));
  const yFloat = write('yf.idx', idx('float32', [4], [0, 1, 0.5, 1]));
  const x3 = write('x3cols.idx', idx('uint8', [4, 3], new Array(12).fill(1)));
  const yTest = write('ytest.idx', idx('uint8', [4], [0, 1, 0, 5]));
  const cases: [object, RegExp][] = [
    [{ format: 'idx', train: { x, y: y3 } }, /y3\.idx: label count mismatch: 3 rows of labels\/targets for 4 rows of features in .*x4\.idx/],
    [{ format: 'idx', train: { x, y: oneClass } }, /y1c\.idx: only one class in the training labels/],
    [{ format: 'idx', train: { x, y: yFloat } }, /yf\.idx: row 3: class label is not an integer$/],
    [{ format: 'idx', train: { x } }, /^task\.train\.y: required for the idx format/],
    [{ format: 'idx', train: { x, y: y4 }, test: { x: x3, y: y4 } }, /x3cols\.idx: 3 features per row, but the training file .*x4\.idx has 2/],
    [{ format: 'idx', train: { x, y: y4 }, test: { x, y: yTest } }, /ytest\.idx: row 4: class label does not occur in the training labels$/],
    [{ format: 'csv', train: { x: write('c.csv', '1,2,0\n3,4,1\n') }, labelColumn: 3 }, /^task\.labelColumn: column 3 is outside the 3 columns of .*c\.csv/],
    [{ format: 'csv', train: { x: path('c.csv'), y: path('c.csv') }, labelColumn: 0 }, /^task\.labelColumn: not used when task\.train\.y names a label file/],
    [{ format: 'csv', train: { x: path('c.csv') }, testFraction: 0.1 }, /^task\.testFraction: holding out 0\.1 of 2 rows leaves 0 test/],
    [{ format: 'npy', train: { x: write('nan.npy', npy('float32', [2, 1], [1, NaN])), y: write('l.npy', npy('int32', [2], [0, 1])) } }, /nan\.npy: row 2, column 1: feature is not a finite float32/],
  ];
  for (const [config, re] of cases) {
    assert.throws(() => createTask(fileCfg(config), 0, access), (err: Error) => {
      assert.match(err.message, re);
      assert.ok(!err.message.includes('\n'));
      return true;
    }, JSON.stringify(config));
  }
});

// ---- the task -----------------------------------------------------------------------------

test('IDX images: uint8 scaled by 1/255, one global standardisation from training statistics, labels remapped', () => {
  // 6 images of 2×2, labels 3 and 7 (remapped to 0 and 1)
  const pix = [0, 255, 51, 102, 0, 0, 0, 0, 255, 255, 255, 255, 10, 20, 30, 40, 5, 5, 5, 5, 1, 2, 3, 4];
  const x = write('img.idx', idx('uint8', [6, 2, 2], pix));
  const y = write('lab.idx', idx('uint8', [6], [7, 3, 7, 3, 3, 7]));
  const tx = write('timg.idx', idx('uint8', [2, 2, 2], [255, 0, 0, 255, 128, 128, 128, 128]));
  const ty = write('tlab.idx', idx('uint8', [2], [3, 7]));

  const raw = createTask(fileCfg({ format: 'idx', train: { x, y }, test: { x: tx, y: ty }, normalize: false }), 1, access);
  assert.equal(raw.inputDim, 4);
  assert.equal(raw.classes, 2);
  assert.equal(raw.classification, true);
  assert.deepEqual(Array.from(raw.train!.x), pix.map((p) => Math.fround(p / 255)));
  assert.deepEqual(Array.from(raw.train!.labels!), [1, 0, 1, 0, 0, 1]);
  assert.deepEqual(Array.from(raw.train!.y), [0, 1, 1, 0, 0, 1, 1, 0, 1, 0, 0, 1]);
  assert.deepEqual(Array.from(raw.test.labels!), [0, 1]);

  const data = loadFileData(fileCfg({ format: 'idx', train: { x, y }, test: { x: tx, y: ty } }), 1, access);
  const scaled = pix.map((p) => p / 255);
  const mean = scaled.reduce((a, b) => a + b) / scaled.length;
  const std = Math.sqrt(scaled.reduce((a, b) => a + (b - mean) ** 2, 0) / scaled.length);
  data.train.x.forEach((v, i) => assert.ok(Math.abs(v - (scaled[i] - mean) / std) < 1e-5));
  data.test.x.forEach((v, i) => assert.ok(Math.abs(v - ([255, 0, 0, 255, 128, 128, 128, 128][i] / 255 - mean) / std) < 1e-5));
  assert.deepEqual(data.image!.height, 2);
  assert.ok(Math.abs(data.image!.background - (0 - mean) / std) < 1e-6); // stats of float32 pixels
  assert.deepEqual(data.classValues, [3, 7]);
});

test('CSV tabular: per-feature standardisation, label column, regression targets, held-out split by task.seed', () => {
  const rows: number[][] = [];
  for (let i = 0; i < 20; i++) rows.push([i, 100 + 3 * i * i, 5, i % 3]);
  const f = write('tab.csv', 'f1,f2,const,label\n' + rows.map((r) => r.join(',')).join('\n') + '\n');
  const t = createTask(fileCfg({ format: 'csv', train: { x: f }, testFraction: 0.25 }), 4, access);
  assert.equal(t.inputDim, 3);
  assert.equal(t.classes, 3);
  assert.equal(t.train!.n, 15);
  assert.equal(t.test.n, 5);
  // training columns have mean 0 and std 1; the constant column is centred only
  for (let j = 0; j < 3; j++) {
    let s = 0, ss = 0;
    for (let i = 0; i < 15; i++) { s += t.train!.x[i * 3 + j]; ss += t.train!.x[i * 3 + j] ** 2; }
    assert.ok(Math.abs(s / 15) < 1e-5, `column ${j} mean`);
    assert.ok(Math.abs(ss / 15 - (j === 2 ? 0 : 1)) < 1e-4, `column ${j} variance`);
  }
  // train ∪ test = all rows, each once: recover the row index from the label-free features
  const again = createTask(fileCfg({ format: 'csv', train: { x: f }, testFraction: 0.25, normalize: false }), 4, access);
  const ids = [...again.train!.x.filter((_, k) => k % 3 === 0), ...again.test.x.filter((_, k) => k % 3 === 0)].sort((a, b) => a - b);
  assert.deepEqual(ids, Array.from({ length: 20 }, (_, i) => i));
  for (const ds of [again.train!, again.test]) {
    for (let i = 0; i < ds.n; i++) assert.equal(ds.labels![i], ds.x[i * 3] % 3, 'label stays with its row');
  }
  const other = createTask(fileCfg({ format: 'csv', train: { x: f }, testFraction: 0.25, normalize: false, seed: 5 }), 4, access);
  assert.notDeepEqual(other.test.x, again.test.x, 'another task seed holds out other rows');
  const trial = createTask(fileCfg({ format: 'csv', train: { x: f }, testFraction: 0.25, normalize: false }), 5, access);
  assert.deepEqual(trial.test.x, again.test.x, 'the trial seed keeps the split');

  const reg = createTask(fileCfg({ format: 'csv', train: { x: f }, problem: 'regression', labelColumn: 1, normalize: false, maxRows: 10 }), 0, access);
  assert.equal(reg.classification, false);
  assert.equal(reg.outputDim, 1);
  assert.equal(reg.train!.n + reg.test.n, 10);
  for (const ds of [reg.train!, reg.test]) {
    for (let i = 0; i < ds.n; i++) assert.equal(ds.y[i], 100 + 3 * ds.x[i * 3] ** 2);
  }
  const bx = write('bx.csv', '1,2\n3,4\n5,6\n'), by = write('by.csv', 'a,b\n0.5,1\n1.5,2\n2.5,3\n');
  const two = createTask(fileCfg({ format: 'csv', train: { x: bx, y: by }, test: { x: bx, y: by }, problem: 'regression', normalize: false }), 0, access);
  assert.equal(two.outputDim, 2);
  assert.deepEqual(Array.from(two.test.y), [0.5, 1, 1.5, 2, 2.5, 3]);
});

test('NPY task: float features and int64 labels; batches are seeded minibatches of the training set', () => {
  const n = 12;
  const xs = Array.from({ length: n * 2 }, (_, i) => i * 0.5);
  const x = write('fx.npy', npy('float32', [n, 2], xs));
  const y = write('fy.npy', npy('int64', [n], Array.from({ length: n }, (_, i) => (i % 2) * 10 - 5)));
  const t = createTask(fileCfg({ format: 'npy', train: { x, y }, test: { x, y }, normalize: false }), 3, access);
  assert.equal(t.classes, 2);
  assert.deepEqual(Array.from(t.train!.x), xs);
  assert.deepEqual(Array.from(t.train!.labels!), Array.from({ length: n }, (_, i) => i % 2));
  assert.equal(t.batch(0, 0), t.train);
  const b = t.batch(2, 5);
  assert.equal(b.n, 5);
  assert.deepEqual(b.x, createTask(fileCfg({ format: 'npy', train: { x, y }, test: { x, y }, normalize: false }), 3, access).batch(2, 5).x);
  for (let i = 0; i < 5; i++) assert.equal(b.labels![i], (b.x[2 * i] / 1) % 2, 'a batch row keeps its label');
});

// ---- hostile values -----------------------------------------------------------------------

test('values beyond the float32 range are refused with the file, row and column (CSV, NPY float64, IDX float64)', () => {
  const big = 3.5e38; // finite in float64, Infinity in float32 (max 3.4028e38)
  const justBelow = 3.4e38;
  assert.equal(Math.fround(big), Infinity);
  assert.ok(Number.isFinite(Math.fround(justBelow)));
  const labels = write('l3.npy', npy('int32', [3], [0, 1, 0]));
  const cases: [object, RegExp][] = [
    [{ format: 'csv', train: { x: write('big.csv', 'a,b,y\n1,2,0\n3,3.5e38,1\n5,6,0\n') } }, /big\.csv: line 3, column 2: number beyond the float32 range/],
    [{ format: 'csv', train: { x: write('bigneg.csv', '1,2,0\n-1e39,4,1\n5,6,0\n') } }, /bigneg\.csv: line 2, column 1: number beyond the float32 range/],
    [{ format: 'npy', train: { x: write('big64.npy', npy('float64', [3, 2], [1, 2, 3, 4, 5, -big])), y: labels } }, /big64\.npy: row 3, column 2: feature is not a finite float32/],
    [{ format: 'idx', train: { x: write('big64.idx', idx('float64', [3, 2], [1, big, 3, 4, 5, 6])), y: write('l3.idx', idx('uint8', [3], [0, 1, 0])) } }, /big64\.idx: row 1, column 2: feature is not a finite float32/],
    [{ format: 'npy', problem: 'regression', train: { x: write('ok.npy', npy('float32', [3, 1], [1, 2, 3])), y: write('bigt.npy', npy('float64', [3], [0, big, 1])) } }, /bigt\.npy: row 2, column 1: target is not a finite float32/],
  ];
  for (const [config, re] of cases) {
    assert.throws(() => createTask(fileCfg(config), 0, access), (err: Error) => re.test(err.message) && !err.message.includes('\n'), JSON.stringify(config));
  }
  // the largest float32 still loads, unchanged
  const t = createTask(fileCfg({ format: 'npy', problem: 'regression', normalize: false, train: { x: write('edge.npy', npy('float64', [2, 1], [justBelow, 1])), y: write('edge-y.npy', npy('float32', [2], [1, 2])) }, test: { x: path('edge.npy'), y: path('edge-y.npy') } }), 0, access);
  assert.equal(t.train!.x[0], Math.fround(justBelow));
});

test('zero-feature and zero-target arrays are refused', () => {
  const y = write('z-y.npy', npy('int32', [3], [0, 1, 0]));
  const cases: [object, RegExp][] = [
    [{ format: 'npy', train: { x: write('z.npy', npy('float32', [3, 0], [])), y } }, /z\.npy: no features: each row has shape \[0\]/],
    [{ format: 'idx', train: { x: write('z.idx', idx('uint8', [3, 4, 0], [])), y: write('z-y.idx', idx('uint8', [3], [0, 1, 0])) } }, /z\.idx: no features: each row has shape \[4, 0\]/],
    [{ format: 'npy', problem: 'regression', train: { x: write('one.npy', npy('float32', [3, 1], [1, 2, 3])), y: write('z-t.npy', npy('float32', [3, 0], [])) } }, /z-t\.npy: no targets/],
  ];
  for (const [config, re] of cases) {
    assert.throws(() => createTask(fileCfg(config), 0, access), (err: Error) => re.test(err.message), JSON.stringify(config));
  }
});

test('errors never quote the content of the file: any non-numeric cell is reported by its position only', () => {
  fc.assert(fc.property(
    fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !/[,\t;\r\n"]/.test(s) && s.trim() !== '' && !Number.isFinite(Number(s.trim()))),
    fc.integer({ min: 0, max: 2 }),
    (cell, column) => {
      const cells = ['1', '2', '3'];
      cells[column] = `SECRET${cell}`;
      const file = write('secret.csv', `0,0,0\n${cells.join(',')}\n`);
      assert.throws(() => readCsv(file), (err: Error) => {
        assert.equal(err.message, `${file}: line 2, column ${column + 1}: not a number`);
        return !err.message.includes('SECRET');
      });
    },
  ), { numRuns: 200 });
  // a text file read as data: nothing of it appears in the messages of any format
  const text = write('passwd', 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n');
  for (const format of ['csv', 'npy', 'idx'] as const) {
    assert.throws(() => createTask(fileCfg({ format, train: { x: text, y: text } }), 0, access), (err: Error) => {
      assert.ok(!/root|daemon|bash|nologin/.test(err.message.replace(text, '')), `${format}: ${err.message}`);
      return true;
    });
  }
  // an NPY header is the file's text too: a dtype that is not a type code is not repeated
  const odd = write('odd.npy', npy('float32', [1], [1], { descr: 'hunter2 is my password' }));
  assert.throws(() => readNpy(odd), (err: Error) => /NPY dtype unsupported/.test(err.message) && !err.message.includes('hunter2'));
});

// ---- allowed data folders -----------------------------------------------------------------

test('data paths must resolve under an allowed root: .. and symlinks cannot escape, missing files outside reveal nothing', () => {
  const root = mkdtempSync(join(tmpdir(), 'sweep-data-root-'));
  const elsewhere = mkdtempSync(join(tmpdir(), 'sweep-data-elsewhere-'));
  try {
    mkdirSync(join(root, 'sub'));
    writeFileSync(join(root, 'sub', 'ok.csv'), '1,2,0\n3,4,1\n5,6,0\n7,8,1\n9,10,0\n');
    writeFileSync(join(elsewhere, 'secret.csv'), '1,2,0\n3,4,1\n5,6,0\n7,8,1\n9,10,0\n');
    symlinkSync(join(elsewhere, 'secret.csv'), join(root, 'link-out.csv'));
    symlinkSync(elsewhere, join(root, 'dir-out'));
    symlinkSync(join(root, 'sub', 'ok.csv'), join(root, 'link-in.csv'));
    const a = specDataAccess(join(root, 'spec.yaml'), [], {});
    assert.deepEqual(a.roots, [realpathSync(root)]);

    // inside: relative to the spec's folder, a subfolder, a symlink that stays inside
    assert.equal(resolveDataFile('sub/ok.csv', a), realpathSync(join(root, 'sub', 'ok.csv')));
    assert.equal(resolveDataFile('link-in.csv', a), realpathSync(join(root, 'sub', 'ok.csv')));
    assert.equal(resolveDataFile('sub/../sub/ok.csv', a), realpathSync(join(root, 'sub', 'ok.csv')));
    assert.equal(createTask(fileCfg({ format: 'csv', train: { x: 'sub/ok.csv' } }), 0, a).train!.n, 4);

    // outside: absolute, .., a symlinked file, a symlinked folder, the system's files
    const outside = [join(elsewhere, 'secret.csv'), `../${basename(elsewhere)}/secret.csv`, 'link-out.csv', 'dir-out/secret.csv', '/etc/passwd', '/proc/self/environ'];
    for (const p of outside) {
      assert.throws(() => resolveDataFile(p, a), (err: unknown) => err instanceof DataPathError && err.code === 'EDATAROOT' && err.file === p, p);
      assert.throws(() => createTask(fileCfg({ format: 'csv', train: { x: p } }), 0, a), (err: Error) => {
        assert.ok(err instanceof DataPathError, p);
        assert.match(err.message, /outside the allowed data folders .*; to allow another folder, pass --data-root DIR or set SWEEP_DATA_ROOTS$/);
        return true;
      });
    }
    // a missing file outside gets the same answer as an existing one (no probing of the machine)
    assert.throws(() => resolveDataFile(join(elsewhere, 'nothing-here.csv'), a), DataPathError);
    assert.throws(() => resolveDataFile('/etc/no-such-file', a), DataPathError);
    // a missing file inside is reported as missing
    assert.throws(() => resolveDataFile('sub/missing.csv', a), (err: Error) => !(err instanceof DataPathError) && /sub\/missing\.csv: cannot read \(no such file\)$/.test(err.message));

    // granted roots: --data-root and SWEEP_DATA_ROOTS
    const granted = specDataAccess(join(root, 'spec.yaml'), [elsewhere], {});
    assert.equal(resolveDataFile('link-out.csv', granted), realpathSync(join(elsewhere, 'secret.csv')));
    const env = specDataAccess(join(root, 'spec.yaml'), [], { SWEEP_DATA_ROOTS: `/nonexistent${delimiter}${elsewhere}` });
    assert.equal(resolveDataFile(join(elsewhere, 'secret.csv'), env), realpathSync(join(elsewhere, 'secret.csv')));

    // the trainer (cluster): only SWEEP_DATA_ROOTS, relative paths against the first of them
    const pod = trainerDataAccess({ SWEEP_DATA_ROOTS: root });
    assert.equal(resolveDataFile('sub/ok.csv', pod), realpathSync(join(root, 'sub', 'ok.csv')));
    assert.throws(() => resolveDataFile('/etc/passwd', pod), DataPathError);
    const none = trainerDataAccess({});
    assert.throws(() => resolveDataFile('/etc/passwd', none), (err: Error) => err instanceof DataPathError && /no data folders are configured/.test(err.message));
    // without an explicit access, createTask reads nothing outside SWEEP_DATA_ROOTS
    if (!process.env.SWEEP_DATA_ROOTS) {
      assert.throws(() => createTask(fileCfg({ format: 'csv', train: { x: join(root, 'sub', 'ok.csv') } }), 0), DataPathError);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(elsewhere, { recursive: true, force: true });
  }
});

// ---- checked before a sweep starts --------------------------------------------------------

test('preflight: problems found before any trial runs, each naming the spec path and the file', () => {
  const root = mkdtempSync(join(tmpdir(), 'sweep-preflight-'));
  try {
    const put = (name: string, content: Buffer | string) => { writeFileSync(join(root, name), content); return name; };
    put('ok.csv', '1,2,0\n3,4,1\n5,6,0\n7,8,1\n9,10,0\n');
    put('x4.npy', npy('float32', [4, 2], [1, 2, 3, 4, 5, 6, 7, 8]));
    put('y3.npy', npy('int32', [3], [0, 1, 0]));
    put('x0.npy', npy('float32', [4, 0], []));
    put('y4.npy', npy('int32', [4], [0, 1, 0, 1]));
    mkdirSync(join(root, 'folder.csv'));
    const a = specDataAccess(join(root, 'spec.yaml'), [], {});
    const spec = (task: object, extra: object = {}) => resolveSpec({ name: 'p', task: { kind: 'file', ...task }, optimizer: { kind: 'sgd', lr: 0.1 }, ...extra });
    const problems = (task: object, extra?: object): string[] => {
      try {
        preflightFileTasks(spec(task, extra).plans, a, 'spec.yaml');
      } catch (err) {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.source, 'spec.yaml');
        return err.problems;
      }
      return [];
    };
    assert.deepEqual(problems({ format: 'csv', train: { x: 'ok.csv' } }), []);
    const cases: [object, RegExp, object?][] = [
      [{ format: 'csv', train: { x: 'missing.csv' } }, /^task\.train\.x: missing\.csv: cannot read \(no such file\)$/],
      [{ format: 'csv', train: { x: 'folder.csv' } }, /^task\.train\.x: .*folder\.csv: cannot read \(is a directory\)$/],
      [{ format: 'csv', train: { x: '/etc/passwd' } }, /^task\.train\.x: \/etc\/passwd: outside the allowed data folders/],
      [{ format: 'csv', train: { x: 'ok.csv' }, labelColumn: 7 }, /^task\.labelColumn: column 7 is outside the 3 columns of .*ok\.csv$/],
      [{ format: 'idx', train: { x: 'x.idx' } }, /^task\.train\.y: required for the idx format/],
      [{ format: 'npy', train: { x: 'x4.npy', y: 'y3.npy' } }, /^task\.train\.y: .*y3\.npy: label count mismatch: 3 rows of labels\/targets for 4 rows/],
      [{ format: 'npy', train: { x: 'x0.npy', y: 'y4.npy' } }, /^task\.train\.x: .*x0\.npy: no features/],
      [{ format: 'csv', train: { x: 'ok.csv' }, test: { x: 'missing-test.csv' } }, /^task\.test\.x: missing-test\.csv: cannot read \(no such file\)$/],
    ];
    for (const [task, re] of cases) {
      const got = problems(task);
      assert.equal(got.length, 1, JSON.stringify(got));
      assert.match(got[0], re);
    }
    // a continual base names its path; a grid over files reports each bad value once
    assert.match(problems({}, { task: { kind: 'continual', base: { kind: 'file', format: 'csv', train: { x: 'ok.csv' }, labelColumn: 9 } } })[0],
      /^task\.base\.labelColumn: column 9 is outside/);
    const grid = problems({ format: 'csv', train: { x: 'ok.csv' } }, { grid: { 'task.train.x': ['ok.csv', 'gone-1.csv', 'gone-2.csv'], seed: [0, 1, 2] } });
    assert.deepEqual(grid.map((p) => p.split(': ')[1]), ['gone-1.csv', 'gone-2.csv']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
