// The state of one training run (model, current and initial weights, optimizer) and the
// operations on it: one SGD/Adam step on a batch, and the per-evaluation-point measurements.
import * as tf from '@tensorflow/tfjs';
import type { TrialConfig } from '../config/trial.js';
import { isClassification } from '../config/trial.js';
import { lossAndGrad, lossGrad, type LossKind } from '../model/loss.js';
import { Mlp, type Params } from '../model/mlp.js';
import { createOptimizer, type Optimizer } from '../optim/index.js';
import type { Dataset } from '../tasks/task.js';
import { dispose } from '../measure/vectors.js';
import { outputOn } from '../measure/evaluate.js';
import type { DeviceBatch } from '../measure/probe.js';
import { toDevice, disposeBatch } from '../measure/probe.js';
import type { CompiledStep, StepStructure } from '../backend/compiled-step.js';

/** Most steps one compiled graph call takes (Trainer.steps). */
export const STEPS_PER_CALL = 16;
/** Most floats of stacked batches (inputs and targets) one such call copies: 16 MB. */
const STACKED_FLOATS = 1 << 22;

export function lossKindOf(config: TrialConfig): LossKind {
  return config.train.loss ?? (isClassification(config.task) ? 'xent' : 'mse');
}

export class Trainer {
  readonly mlp: Mlp;
  readonly loss: LossKind;
  readonly optimizer: Optimizer;
  params: Params;
  /** the initial weights: centering's frozen network and the reference of weight movement */
  readonly params0: Params;
  private recurring: Dataset | null = null;
  /** the whole step as one TensorFlow graph (backend.step: compiled), set by useCompiled */
  private compiled: CompiledStep | null = null;
  private cached: { ds: Dataset; batch: DeviceBatch } | null = null;

  constructor(readonly config: TrialConfig, inputDim: number, outputDim: number) {
    this.mlp = new Mlp(config.model, config.optimizer, inputDim, outputDim);
    this.loss = lossKindOf(config);
    this.params = this.mlp.init(config.seed);
    this.params0 = this.params.map((p) => tf.clone(p));
    this.optimizer = createOptimizer(config.optimizer, this.mlp.lrFactors());
  }

  /** What fixes this model's compiled step (core/backend/compiled-step.ts). */
  stepStructure(): StepStructure {
    return { depth: this.mlp.depth, activation: this.mlp.activation, bias: this.mlp.bias, loss: this.loss, centered: this.mlp.centered, packed: false };
  }

  /** Runs every later step through `step` (plain SGD only: its rates are fixed in it). */
  useCompiled(step: CompiledStep): void {
    if (!this.optimizer.plainRates?.()) throw new Error('a compiled step needs plain SGD');
    this.compiled = step;
    // evaluation's forward passes through the graph's output signature too
    this.mlp.applyWith = (params, x) => step.output(params, x);
  }

  /** Copies a dataset to the backend with f_init attached when the model is centered. */
  device(ds: Dataset): DeviceBatch {
    const b = toDevice(ds);
    if (this.mlp.centered) b.f0 = tf.tidy(() => this.mlp.apply(this.params0, b.x));
    return b;
  }

  /**
   * Datasets that recur every step (the whole training set in full-batch training) stay on the
   * backend instead of being copied each step.
   */
  setRecurring(ds: Dataset | null): void {
    if (this.cached && this.cached.ds !== ds) {
      disposeBatch(this.cached.batch);
      this.cached = null;
    }
    this.recurring = ds;
  }

  /** One optimizer step on `ds`; returns the batch loss before the update. */
  step(ds: Dataset): number {
    let batch: DeviceBatch;
    let temporary = false;
    if (ds === this.recurring) {
      if (!this.cached) this.cached = { ds, batch: this.device(ds) };
      batch = this.cached.batch;
    } else {
      batch = this.device(ds);
      temporary = true;
    }
    const { mlp, loss } = this;
    if (this.compiled) {
      const out = this.compiled.run(this.params, batch.x, batch.y, batch.f0);
      if (temporary) disposeBatch(batch);
      dispose(this.params);
      this.params = out.params;
      return out.losses[0] / batch.n;
    }
    let value = NaN;
    const next = tf.tidy(() => {
      const fw = mlp.forward(this.params, batch.x);
      const raw = fw.hs[fw.hs.length - 1];
      const f = batch.f0 ? tf.sub(raw, batch.f0) : raw;
      const { sum: l, grad } = lossAndGrad(loss, f, batch.y);
      const rates = this.optimizer.plainRates?.() ?? null;
      const bw = mlp.backward(this.params, fw, grad, rates ?? undefined);
      const updated = rates ? this.params.map((p, i) => tf.sub(p, bw.grads[i])) : this.optimizer.update(this.params, bw.grads);
      value = l.dataSync()[0] / batch.n;
      return updated;
    });
    if (temporary) disposeBatch(batch);
    dispose(this.params);
    this.params = next;
    return value;
  }

  /**
   * How many steps one call may take (`steps`): 1 unless the step is compiled, whose graph runs
   * up to STEPS_PER_CALL steps in one session call on stacked batches of at most
   * STACKED_FLOATS floats, so that a small model's step costs its arithmetic, not the call.
   */
  stepsPerCall(batchSize: number, rowFloats: number): number {
    if (!this.compiled) return 1;
    return Math.max(1, Math.min(STEPS_PER_CALL, Math.floor(STACKED_FLOATS / Math.max(1, batchSize * rowFloats))));
  }

  /**
   * Consecutive steps on `dss` (one dataset per step, in order); the batch loss before each.
   * Compiled: one graph call over the stacked batches, the same arithmetic as one `step` each.
   */
  steps(dss: Dataset[]): number[] {
    const compiled = this.compiled;
    const { n, inputDim, outputDim } = dss[0];
    // the full training set stays on the backend, and batches of unequal size cannot stack
    if (!compiled || dss.length === 1 || dss.some((d) => d === this.recurring || d.n !== n)) return dss.map((d) => this.step(d));
    const K = dss.length;
    const x = new Float32Array(K * n * inputDim), y = new Float32Array(K * n * outputDim);
    dss.forEach((d, k) => {
      x.set(d.x.subarray(0, n * inputDim), k * n * inputDim);
      y.set(d.y.subarray(0, n * outputDim), k * n * outputDim);
    });
    const xs = tf.tensor3d(x, [K, n, inputDim]), ys = tf.tensor3d(y, [K, n, outputDim]);
    const f0s = this.mlp.centered
      ? tf.tidy(() => tf.reshape(this.mlp.apply(this.params0, tf.reshape(xs, [K * n, inputDim])), [K, n, outputDim]))
      : null;
    const out = compiled.runSteps(this.params, xs, ys, f0s);
    xs.dispose();
    ys.dispose();
    f0s?.dispose();
    dispose(this.params);
    this.params = out.params;
    return Array.from(out.losses, (l) => l / n);
  }

  /** Gradient norm of the training loss on a batch. */
  gradNorm(b: DeviceBatch): number {
    const { mlp, loss } = this;
    const sq = tf.tidy(() => {
      const fw = mlp.forward(this.params, b.x);
      const raw = fw.hs[fw.hs.length - 1];
      const f = b.f0 ? tf.sub(raw, b.f0) : raw;
      const { grads } = mlp.backward(this.params, fw, lossGrad(loss, f, b.y));
      return tf.addN(grads.map((g) => tf.sum(tf.square(g))));
    });
    const v = sq.dataSync()[0];
    sq.dispose();
    return Math.sqrt(v);
  }

  /** Coord check: mean |h_l| of every layer's pre-activation, the last entry the model output. */
  coord(b: DeviceBatch): number[] {
    const means = tf.tidy(() => {
      const { hs } = this.mlp.forward(this.params, b.x);
      const last = hs.length - 1;
      return tf.stack(hs.map((h, l) => tf.mean(tf.abs(l === last && b.f0 ? tf.sub(h, b.f0) : h))));
    });
    const out = Array.from(means.dataSync());
    means.dispose();
    return out;
  }

  /** ‖W_t − W_0‖ / ‖W_0‖ for each weight layer. */
  weightMovement(): number[] {
    const ratios = tf.tidy(() => tf.stack(this.mlp.specs.flatMap((s, i) => s.kind === 'weight'
      ? [tf.div(tf.norm(tf.sub(this.params[i], this.params0[i])), tf.norm(this.params0[i]))]
      : [])));
    const out = Array.from(ratios.dataSync());
    ratios.dispose();
    return out;
  }

  /** Output of the model on a device batch (centered when it carries f_init); caller tidies. */
  output(b: DeviceBatch): tf.Tensor {
    return outputOn(this.mlp, this.params, b);
  }

  dispose(): void {
    dispose(this.params);
    dispose(this.params0);
    this.optimizer.dispose();
    this.compiled?.dispose();
    this.setRecurring(null);
  }
}
