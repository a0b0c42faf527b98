// A whole plain-SGD training step as one TensorFlow graph on the native backend
// (backend.step: compiled). The eager step is ~27 TensorFlow ops, each dispatched from JavaScript
// (~50 µs apiece) and each a separate pass over memory; the graph runs in one session call and
// TensorFlow's graph optimizer fuses the element-wise work into the products. The graph is a
// SavedModel exported once per model structure by compiled-step/export_step.py (TensorFlow's
// Python package, from the install script) with every size left open, cached on disk, and loaded
// once per process. It computes the same function as the eager step (core/model/mlp.ts) but not
// in the same float32 order: results agree within COMPILED_STEP_TOLERANCE, not bit for bit.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Activation } from '../config/trial.js';
import { nativeModule } from './native.js';
import { nativePython, nativeVariantDir, sourceFile, type NativeVariant } from './native-location.js';

/**
 * Largest relative difference allowed between a compiled and an eager run of the same trial's
 * weights after 20 steps (test/unit/compiled-step.test.ts): float32 sums taken in another order.
 */
export const COMPILED_STEP_TOLERANCE = 1e-4;

/** What fixes a graph: everything else (widths, batch, input and output size) stays open. */
export interface StepStructure {
  depth: number;
  activation: Activation;
  bias: boolean;
  loss: 'mse' | 'xent';
  centered: boolean;
  /** a pack's step (core/model/packed-mlp.ts): a leading trial axis on every tensor */
  packed: boolean;
}

/** The compiled step cannot be set up here; the message names why and the fix. */
export class CompiledStepUnavailable extends Error {
  readonly code = 'SWEEP_COMPILED_STEP_UNAVAILABLE';
}

interface SavedModel {
  predict(inputs: Record<string, tf.Tensor>): Record<string, tf.Tensor>;
}
interface NodeNamespace {
  node: { loadSavedModel(path: string, tags: string[], signature: string): Promise<SavedModel> };
}

/** A structure's signatures: one training step, K steps in one call, and evaluation's forward pass. */
interface Graphs {
  step: SavedModel;
  steps: SavedModel;
  output: SavedModel;
}

const loadedModels = new Map<string, Promise<Graphs>>();

/** Folder of exported graphs: $SWEEP_COMPILED_STEP_DIR, else beside the native build. */
function exportRoot(variant: NativeVariant): string {
  return process.env.SWEEP_COMPILED_STEP_DIR ?? join(nativeVariantDir(variant), 'steps');
}

function canonical(s: StepStructure): string {
  return JSON.stringify({ depth: s.depth, activation: s.activation, bias: s.bias, loss: s.loss, centered: s.centered, packed: s.packed });
}

const exportScript = () => sourceFile('core', 'backend', 'compiled-step', 'export_step.py');
let exporterHash: string | null = null;

/** The export's folder name: the export script's hash (an edited script exports again), then the structure's. */
function structureKey(s: StepStructure): string {
  exporterHash ??= createHash('sha256').update(readFileSync(exportScript())).digest('hex').slice(0, 12);
  return `${exporterHash}-${createHash('sha256').update(canonical(s)).digest('hex').slice(0, 16)}`;
}

/** Exports the graph for `s` unless it is on disk; concurrent exporters race to one rename. */
function ensureExported(variant: NativeVariant, s: StepStructure): string {
  let root = exportRoot(variant);
  const dir = () => join(root, structureKey(s));
  if (existsSync(join(dir(), 'saved_model.pb'))) return dir();
  const python = nativePython(variant);
  if (!existsSync(python)) {
    throw new CompiledStepUnavailable(`backend.step compiled needs TensorFlow's Python package beside the native build (${python} is missing); run scripts/install-tfjs-native.sh${variant === 'gpu' ? ' --gpu' : ''} again`);
  }
  let work: string;
  try {
    mkdirSync(root, { recursive: true });
    work = mkdtempSync(join(root, '.export-'));
  } catch {
    root = join(tmpdir(), 'sweep-compiled-steps'); // a read-only build folder (an image): export per machine
    if (existsSync(join(dir(), 'saved_model.pb'))) return dir();
    mkdirSync(root, { recursive: true });
    work = mkdtempSync(join(root, '.export-'));
  }
  try {
    const r = spawnSync(python, [exportScript(), join(work, 'model'), canonical(s)], {
      encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' }, timeout: 5 * 60_000,
    });
    if (r.status !== 0) {
      const tail = `${r.stderr ?? ''}${r.error ? String(r.error) : ''}`.trim().split('\n').slice(-1)[0] ?? '';
      throw new CompiledStepUnavailable(`exporting the compiled step failed (exit ${r.status ?? r.signal}): ${tail.slice(0, 300)}`);
    }
    try {
      renameSync(join(work, 'model'), dir());
    } catch (err) {
      // another process exported the same structure first: use theirs
      if (!existsSync(join(dir(), 'saved_model.pb'))) throw err;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return dir();
}

/** The loaded graphs for a structure, shared by every trial of this process. */
async function savedModel(variant: NativeVariant, s: StepStructure): Promise<Graphs> {
  const key = `${variant}/${structureKey(s)}`;
  let model = loadedModels.get(key);
  if (!model) {
    const tfn = nativeModule(variant) as NodeNamespace | null;
    if (!tfn) throw new CompiledStepUnavailable('backend.step compiled runs on the native backend only (tfjs-node or tfjs-node-gpu)');
    const dir = ensureExported(variant, s);
    model = Promise.all([
      tfn.node.loadSavedModel(dir, ['serve'], 'serving_default'),
      tfn.node.loadSavedModel(dir, ['serve'], 'steps'),
      tfn.node.loadSavedModel(dir, ['serve'], 'output'),
    ]).then(([step, steps, output]) => ({ step, steps, output }));
    model.catch(() => loadedModels.delete(key));
    loadedModels.set(key, model);
  }
  return model;
}

/** Exports and loads the graph for `s` ahead of the first trial that needs it. */
export async function prepareCompiledStep(variant: NativeVariant, s: StepStructure): Promise<void> {
  await savedModel(variant, s);
}

/**
 * The constant inputs of a step: layer multipliers, bias multipliers and each parameter's
 * learning rate ([L], [L], [P] for one trial; [T, L], [T, L], [T, P] for a pack).
 */
export interface StepConstants {
  mult: tf.Tensor;
  bmult: tf.Tensor;
  rates: tf.Tensor;
}

/** A model's compiled step: the graph and the constants it runs with. */
export class CompiledStep {
  private constructor(
    private readonly graphs: Graphs,
    private constants: StepConstants,
    readonly centered: boolean,
  ) {}

  /** Loads (exporting on first use) the graph for `s`; the step owns `constants` from here on. */
  static async create(variant: NativeVariant, s: StepStructure, constants: StepConstants): Promise<CompiledStep> {
    const model = await savedModel(variant, s);
    return new CompiledStep(model, constants, s.centered);
  }

  /** New constants (a pack whose trials have ended): the old ones are disposed. */
  setConstants(constants: StepConstants): void {
    this.disposeConstants();
    this.constants = constants;
  }

  /**
   * One step: the parameters after it (new tensors; the caller disposes the old) and the summed
   * loss before it (one value, or one per trial of a pack).
   */
  run(params: tf.Tensor[], x: tf.Tensor, y: tf.Tensor, f0: tf.Tensor | null): { params: tf.Tensor[]; losses: Float32Array } {
    return this.call(this.graphs.step, params, x, y, f0);
  }

  /**
   * K steps in one session call on batches stacked along a leading axis (xs [K, B, in], a pack's
   * [K, T, B, in]): the parameters after the last, and each step's summed loss before its update
   * (K values, or K rows of one per trial). The graph's loop body is the step above, so this is
   * `run` K times without K calls' fixed cost (test/unit/compiled-step.test.ts checks it equal).
   */
  runSteps(params: tf.Tensor[], xs: tf.Tensor, ys: tf.Tensor, f0s: tf.Tensor | null): { params: tf.Tensor[]; losses: Float32Array } {
    return this.call(this.graphs.steps, params, xs, ys, f0s);
  }

  /** One session call of a training signature (step or steps): the new parameters and the losses read back. */
  private call(graph: SavedModel, params: tf.Tensor[], x: tf.Tensor, y: tf.Tensor, f0: tf.Tensor | null): { params: tf.Tensor[]; losses: Float32Array } {
    const inputs: Record<string, tf.Tensor> = { mult: this.constants.mult, bmult: this.constants.bmult, rates: this.constants.rates, x, y };
    params.forEach((p, i) => { inputs[`p${i}`] = p; });
    if (this.centered) {
      if (!f0) throw new Error('a centered model needs f_init for its compiled step');
      inputs.f0 = f0;
    }
    const out = graph.predict(inputs);
    const next = params.map((_, i) => out[`p${i}`]);
    const losses = out.loss.dataSync() as Float32Array;
    out.loss.dispose();
    return { params: next, losses };
  }

  /** The raw (uncentered) output on x, as the model's apply computes it. */
  output(params: tf.Tensor[], x: tf.Tensor): tf.Tensor {
    const inputs: Record<string, tf.Tensor> = { mult: this.constants.mult, bmult: this.constants.bmult, x };
    params.forEach((p, i) => { inputs[`p${i}`] = p; });
    return this.graphs.output.predict(inputs).f;
  }

  private disposeConstants(): void {
    this.constants.mult.dispose();
    this.constants.bmult.dispose();
    this.constants.rates.dispose();
  }

  dispose(): void {
    this.disposeConstants();
  }
}
