// The `file` task: a user's dataset from IDX, CSV or NPY files, so real data mounted on a
// cluster works. Features are scaled (uint8 → /255) and optionally standardised with
// training-set statistics; classification labels are remapped to 0..C−1; the test set comes
// from test files or is held out from the training rows by task.seed.
import type { z } from 'zod';
import { Rng } from '../../rng.js';
import { ConfigError } from '../../config/errors.js';
import type { fileTask } from '../../config/trial.js';
import type { Dataset, Task, TaskSeeds } from '../task.js';
import { takeRows } from '../dataset.js';
import { fixedSetTask } from '../batches.js';
import { FileFormatError, type NumArray, rowSize } from './array.js';
import { type DataAccess, resolveDataFile, trainerDataAccess } from './data-roots.js';
import { readIdx } from './idx.js';
import { readNpy } from './npy.js';
import { readCsv } from './csv.js';

export type FileTaskConfig = Omit<z.output<typeof fileTask>, 'seed'>;
type Source = FileTaskConfig['train'];

/** Below this training-set std a feature counts as constant: centred but not rescaled. */
const MIN_STD = 1e-6;

export interface FileData {
  train: Dataset;
  test: Dataset;
  classes?: number;
  /** the original label value of each class index */
  classValues?: number[];
  /** set when every example is a 2-D image (rank-3 features): its shape, and the value a
   *  raw 0 pixel has after scaling/standardisation (what a rotation fills in) */
  image?: { height: number; width: number; background: number };
}

/** `access` says which folders may be read; by default only those in SWEEP_DATA_ROOTS. */
export function createFileTask(config: FileTaskConfig, seeds: TaskSeeds, access: DataAccess = trainerDataAccess()): Task {
  return fileTaskFromData(loadFileData(config, seeds.task, access), seeds.trial);
}

/** A task over loaded data; `seed` (the trial's) orders the minibatches. */
export function fileTaskFromData(data: FileData, seed: number): Task {
  return fixedSetTask({
    kind: 'file',
    inputDim: data.train.inputDim,
    outputDim: data.train.outputDim,
    classification: data.classes !== undefined,
    ...(data.classes !== undefined ? { classes: data.classes } : {}),
    test: data.test,
  }, data.train, seed);
}

interface Raw { x: NumArray; xFile: string; y: NumArray; yFile: string }

/** Reads the files; `taskSeed` draws the held-out test rows. */
export function loadFileData(config: FileTaskConfig, taskSeed: number, access: DataAccess = trainerDataAccess()): FileData {
  const classification = config.problem === 'classification';
  const trainRaw = readSource(config, config.train, 'train', access);
  const features = { rank: trainRaw.x.shape.length, dims: trainRaw.x.shape.slice(1) };
  let train = toDataset(trainRaw, classification);
  let test: Parsed;
  let testLabelsFile: string;
  if (config.test) {
    const testRaw = readSource(config, config.test, 'test', access);
    test = toDataset(testRaw, classification);
    testLabelsFile = testRaw.yFile;
    if (test.ds.inputDim !== train.ds.inputDim) {
      throw new FileFormatError(testRaw.xFile, `${test.ds.inputDim} features per row, but the training file ${trainRaw.xFile} has ${train.ds.inputDim}`);
    }
    if (!classification && test.ds.outputDim !== train.ds.outputDim) {
      throw new FileFormatError(testRaw.yFile, `${test.ds.outputDim} targets per row, but the training file ${trainRaw.yFile} has ${train.ds.outputDim}`);
    }
  } else {
    const n = train.ds.n, nTest = Math.round(config.testFraction * n);
    if (nTest < 1 || nTest >= n) {
      throw new ConfigError([`task.testFraction: holding out ${config.testFraction} of ${n} rows leaves ${nTest} test and ${n - nTest} training rows; need at least one of each`]);
    }
    const perm = new Rng(taskSeed, 'task', 'split').permutation(n);
    const part = (rows: Int32Array): Parsed => ({
      ds: takeRows(train.ds, rows),
      rawLabels: train.rawLabels && Float64Array.from(rows, (r) => train.rawLabels![r]),
      fileRows: rows,
    });
    test = part(perm.subarray(0, nTest));
    train = part(perm.subarray(nTest));
    testLabelsFile = `${trainRaw.yFile} (held-out rows)`;
  }

  const out: FileData = { train: train.ds, test: test.ds };
  if (classification) {
    const values = [...new Set(train.rawLabels!)].sort((a, b) => a - b);
    if (values.length < 2) throw new FileFormatError(trainRaw.yFile, 'only one class in the training labels (classification needs at least 2)');
    const index = new Map(values.map((v, i) => [v, i]));
    out.train = withClasses(train, index, trainRaw.yFile);
    out.test = withClasses(test, index, testLabelsFile);
    out.classes = values.length;
    out.classValues = values;
  }

  // Images share one scale across pixels (per-pixel statistics blow up rarely-lit border
  // pixels); tabular features are standardised one column at a time.
  let background = 0;
  if (config.normalize) {
    const { mean, std } = featureStats(out.train, features.rank <= 2);
    for (const ds of [out.train, out.test]) standardise(ds, mean, std);
    background = (0 - mean[0]) / std[0];
  }
  if (features.rank === 3) out.image = { height: features.dims[0], width: features.dims[1], background };
  return out;
}

/** Reads the features and labels of one split; for CSV without a label file, the label column. */
function readSource(config: FileTaskConfig, src: Source, split: 'train' | 'test', access: DataAccess): Raw {
  const cap = config.maxRows;
  if (config.format === 'csv') {
    if (src.y !== undefined) {
      if (config.labelColumn !== undefined) {
        throw new ConfigError([`task.labelColumn: not used when task.${split}.y names a label file; remove one of them`]);
      }
      const xFile = resolveDataFile(src.x, access), yFile = resolveDataFile(src.y, access);
      return { x: readCsv(xFile, cap), xFile, y: readCsv(yFile, cap), yFile };
    }
    const xFile = resolveDataFile(src.x, access);
    const table = readCsv(xFile, cap);
    const cols = table.shape[1];
    if (cols < 2) throw new FileFormatError(xFile, `CSV needs at least 2 columns (features and a label), found ${cols}`);
    const requested = config.labelColumn ?? -1;
    const col = requested < 0 ? cols + requested : requested;
    if (col < 0 || col >= cols) throw new ConfigError([`task.labelColumn: column ${requested} is outside the ${cols} columns of ${xFile}`]);
    const rows = table.shape[0];
    const x = new Float64Array(rows * (cols - 1)), y = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      for (let c = 0, k = 0; c < cols; c++) {
        const v = table.data[i * cols + c];
        if (c === col) y[i] = v;
        else x[i * (cols - 1) + k++] = v;
      }
    }
    return {
      x: { dtype: 'float64', shape: [rows, cols - 1], data: x, totalRows: table.totalRows }, xFile,
      y: { dtype: 'float64', shape: [rows], data: y, totalRows: table.totalRows }, yFile: xFile,
    };
  }
  if (src.y === undefined) throw new ConfigError([`task.${split}.y: required for the ${config.format} format (a separate labels/targets file)`]);
  const read = config.format === 'idx' ? readIdx : readNpy;
  const xFile = resolveDataFile(src.x, access), yFile = resolveDataFile(src.y, access);
  return { x: read(xFile, cap), xFile, y: read(yFile, cap), yFile };
}

/** A split's rows; for classification, the labels as written in the file (remapped later). */
interface Parsed {
  ds: Dataset;
  rawLabels?: Float64Array;
  /** the file row of each row, when the rows are a held-out subset */
  fileRows?: Int32Array;
}

/**
 * Values as float32 (what the trainer computes in), each checked after the conversion: a
 * float64 beyond ±3.4e38 is finite before and infinite after.
 */
function toFloat32(data: ArrayLike<number>, count: number, perRow: number, scale: number, file: string, what: string): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    out[i] = data[i] * scale;
    if (!Number.isFinite(out[i])) {
      throw new FileFormatError(file, `row ${Math.floor(i / perRow) + 1}, column ${(i % perRow) + 1}: ${what} is not a finite float32 (NaN, infinite or beyond ±3.4e38)`);
    }
  }
  return out;
}

/** Features as float32 rows (uint8 scaled to [0, 1]); labels/targets checked against them. */
function toDataset(raw: Raw, classification: boolean): Parsed {
  const { x, y } = raw;
  if (x.totalRows !== y.totalRows) {
    throw new FileFormatError(raw.yFile, `label count mismatch: ${y.totalRows} rows of labels/targets for ${x.totalRows} rows of features in ${raw.xFile}`);
  }
  const n = x.shape[0];
  if (n === 0) throw new FileFormatError(raw.xFile, 'no rows');
  const inputDim = rowSize(x.shape);
  if (inputDim === 0) throw new FileFormatError(raw.xFile, `no features: each row has shape [${x.shape.slice(1).join(', ')}]`);
  const xs = toFloat32(x.data, n * inputDim, inputDim, x.dtype === 'uint8' ? 1 / 255 : 1, raw.xFile, 'feature');
  const perRow = rowSize(y.shape);
  if (classification) {
    if (perRow !== 1) {
      throw new FileFormatError(raw.yFile, `classification labels need one value per row, got shape [${y.shape.join(', ')}]`);
    }
    const rawLabels = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = y.data[i];
      if (!Number.isSafeInteger(v)) throw new FileFormatError(raw.yFile, `row ${i + 1}: class label is not an integer`);
      rawLabels[i] = v;
    }
    return { ds: { n, inputDim, outputDim: 1, x: xs, y: new Float32Array(n) }, rawLabels };
  }
  if (perRow === 0) throw new FileFormatError(raw.yFile, `no targets: each row has shape [${y.shape.slice(1).join(', ')}]`);
  const ys = toFloat32(y.data, n * perRow, perRow, 1, raw.yFile, 'target');
  return { ds: { n, inputDim, outputDim: perRow, x: xs, y: ys } };
}

/** Class indices (by the training labels' sorted values) and one-hot targets. */
function withClasses(p: Parsed, index: Map<number, number>, labelsFile: string): Dataset {
  const C = index.size, n = p.ds.n;
  const labels = new Int32Array(n), y = new Float32Array(n * C);
  for (let i = 0; i < n; i++) {
    const c = index.get(p.rawLabels![i]);
    if (c === undefined) throw new FileFormatError(labelsFile, `row ${(p.fileRows ? p.fileRows[i] : i) + 1}: class label does not occur in the training labels`);
    labels[i] = c;
    y[i * C + c] = 1;
  }
  return { ...p.ds, outputDim: C, y, labels };
}

/** Training-set mean and std, per feature or one for all features (arrays of length 1). */
function featureStats(ds: Dataset, perFeature: boolean): { mean: Float64Array; std: Float64Array } {
  const d = ds.inputDim, x = ds.x, m = perFeature ? d : 1;
  const sum = new Float64Array(m), sq = new Float64Array(m);
  if (perFeature) {
    for (let i = 0; i < ds.n; i++) {
      for (let j = 0, o = i * d; j < d; j++) { const v = x[o + j]; sum[j] += v; sq[j] += v * v; }
    }
  } else {
    let s = 0, ss = 0;
    for (let i = 0; i < x.length; i++) { const v = x[i]; s += v; ss += v * v; }
    sum[0] = s; sq[0] = ss;
  }
  const count = perFeature ? ds.n : ds.n * d;
  const mean = sum.map((s) => s / count);
  const std = sq.map((s, k) => {
    const sd = Math.sqrt(Math.max(s / count - mean[k] ** 2, 0));
    return sd > MIN_STD ? sd : 1;
  });
  return { mean, std };
}

function standardise(ds: Dataset, mean: Float64Array, std: Float64Array): void {
  const d = ds.inputDim, x = ds.x;
  if (mean.length === 1) {
    const m = mean[0], inv = 1 / std[0];
    for (let i = 0; i < x.length; i++) x[i] = (x[i] - m) * inv;
    return;
  }
  const inv = std.map((s) => 1 / s);
  for (let i = 0; i < ds.n; i++) {
    for (let j = 0, o = i * d; j < d; j++) x[o + j] = (x[o + j] - mean[j]) * inv[j];
  }
}
