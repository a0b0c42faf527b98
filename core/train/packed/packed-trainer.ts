// The state of a pack of training runs as one vectorised model (the packed Trainer): packed
// current and initial weights, the packed optimizer, and the operations on them, each giving
// every trial the numbers its own Trainer would. `subset` drops trials that have ended.
import * as tf from '@tensorflow/tfjs';
import type { TrialConfig } from '../../config/trial.js';
import type { LossKind } from '../../model/loss.js';
import { packedLossAndGrad, packedLossGrad } from '../../model/packed-loss.js';
import { PackedMlp, type PackedParams } from '../../model/packed-mlp.js';
import type { Dataset } from '../../tasks/task.js';
import { lossKindOf } from '../trainer.js';
import { disposePacked, packedOutputOn, stackDatasets, subsetBatch, type PackedBatch } from './packed-data.js';
import { createPackedOptimizer, type PackedOptimizer } from './packed-optimizer.js';
import { disposeVec, dots, gatherVec } from './packed-vectors.js';
import type { CompiledStep } from '../../backend/compiled-step.js';
import { packedConstants } from '../compiled.js';

export class PackedTrainer {
  model: PackedMlp;
  readonly loss: LossKind;
  readonly optimizer: PackedOptimizer;
  params: PackedParams;
  params0: PackedParams;
  /** datasets that recur every step (full-batch training): each trial's, kept on the backend */
  private recurring: readonly Dataset[] | null = null;
  private cached: PackedBatch | null = null;
  /** the pack's step as one TensorFlow graph (backend.step: compiled), set by useCompiled */
  private compiled: CompiledStep | null = null;

  constructor(configs: readonly TrialConfig[], inputDim: number, outputDim: number) {
    this.model = PackedMlp.of(configs, inputDim, outputDim);
    this.loss = lossKindOf(configs[0]);
    this.params = this.model.init(configs.map((c) => c.seed));
    this.params0 = this.params.map((p) => tf.clone(p));
    this.optimizer = createPackedOptimizer(this.model, configs.map((c) => c.optimizer));
  }

  get trials(): number {
    return this.model.trials;
  }

  /** Each trial's dataset on the backend, with its f_init when the model is centered. */
  device(dss: readonly Dataset[]): PackedBatch {
    return this.withInitial(stackDatasets(dss));
  }

  /** Adds each trial's f_init on b.x when the model is centered (as device() does); returns b. */
  withInitial(b: PackedBatch): PackedBatch {
    if (this.model.centered) b.f0 = tf.tidy(() => this.model.frozenOutput(this.params0, b.x));
    return b;
  }

  setRecurring(dss: readonly Dataset[] | null): void {
    if (this.cached) disposePacked(this.cached);
    this.cached = null;
    this.recurring = dss;
  }

  /** Runs every later step through `step` (plain SGD: its rates are fixed in it). */
  useCompiled(step: CompiledStep): void {
    if (!this.optimizer.plainRates()) throw new Error('a compiled step needs plain SGD');
    this.compiled = step;
    // evaluation's forward passes through the graph's output signature too
    this.model.applyWith = (params, x) => step.output(params, x);
  }

  /** One optimizer step of every trial on its own batch; returns each trial's batch loss before the update. */
  step(dss: readonly Dataset[]): number[] {
    const recurring = this.recurring !== null && dss.every((d, t) => d === this.recurring![t]);
    if (recurring) return this.stepOn(this.cached ??= this.device(dss));
    const batch = this.device(dss);
    try {
      return this.stepOn(batch);
    } finally {
      disposePacked(batch);
    }
  }

  /** step() on a batch already on the backend (f_init included when centered); the caller keeps `batch`. */
  stepOn(batch: PackedBatch): number[] {
    const { model, loss } = this;
    if (this.compiled) {
      const out = this.compiled.run(this.params, batch.x, batch.y, batch.f0);
      disposeVec(this.params);
      this.params = out.params;
      return Array.from(out.losses, (s) => s / batch.n);
    }
    let values: number[] = [];
    const next = tf.tidy(() => {
      const fw = model.forward(this.params, batch.x);
      const raw = fw.hs[fw.hs.length - 1];
      const f = batch.f0 ? tf.sub(raw, batch.f0) : raw;
      const { sum, grad } = packedLossAndGrad(loss, f, batch.y);
      const rates = this.optimizer.plainRates();
      const bw = model.backward(this.params, fw, grad, rates ?? undefined);
      const updated = rates ? this.params.map((p, i) => tf.sub(p, bw.grads[i])) : this.optimizer.update(this.params, bw.grads);
      values = Array.from(sum.dataSync(), (s) => s / batch.n);
      return updated;
    });
    disposeVec(this.params);
    this.params = next;
    return values;
  }

  gradNorm(b: PackedBatch): number[] {
    const { model, loss } = this;
    return tf.tidy(() => {
      const fw = model.forward(this.params, b.x);
      const raw = fw.hs[fw.hs.length - 1];
      const f = b.f0 ? tf.sub(raw, b.f0) : raw;
      const { grads } = model.backward(this.params, fw, packedLossGrad(loss, f, b.y));
      // Trainer.gradNorm sums tf.square(g); a product x·x is the same float32 number
      return dots([[grads, grads]])[0].map(Math.sqrt);
    });
  }

  /** Coord check per trial: mean |h_l| of every layer, the last entry the model output. */
  coord(b: PackedBatch): number[][] {
    const means = tf.tidy(() => {
      const { hs } = this.model.forward(this.params, b.x);
      const last = hs.length - 1;
      return tf.stack(hs.map((h, l) => tf.mean(tf.abs(l === last && b.f0 ? tf.sub(h, b.f0) : h), [1, 2])), 1);
    });
    const v = means.dataSync();
    const L = means.shape[1]!;
    means.dispose();
    return Array.from({ length: this.trials }, (_, t) => Array.from(v.subarray(t * L, (t + 1) * L)));
  }

  /** ‖W_t − W_0‖ / ‖W_0‖ per weight layer and trial. */
  weightMovement(): number[][] {
    const T = this.trials;
    const ratios = tf.tidy(() => tf.stack(this.model.specs.flatMap((s, i) => {
      if (s.kind !== 'weight') return [];
      const flat = (x: tf.Tensor) => tf.reshape(x, [T, -1]);
      return [tf.div(tf.norm(flat(tf.sub(this.params[i], this.params0[i])), 'euclidean', 1), tf.norm(flat(this.params0[i]), 'euclidean', 1))];
    }), 1));
    const v = ratios.dataSync();
    const W = ratios.shape[1]!;
    ratios.dispose();
    return Array.from({ length: T }, (_, t) => Array.from(v.subarray(t * W, (t + 1) * W)));
  }

  output(b: PackedBatch): tf.Tensor {
    return packedOutputOn(this.model, this.params, b);
  }

  /** Keeps trials `keep` only, in that order; returns the model of the smaller pack. */
  subset(keep: readonly number[]): PackedMlp {
    const swap = (xs: PackedParams) => {
      const next = gatherVec(xs, keep);
      disposeVec(xs);
      return next;
    };
    this.params = swap(this.params);
    this.params0 = swap(this.params0);
    const model = this.model.subset(keep);
    this.model.dispose();
    this.model = model;
    this.optimizer.subset(keep, model);
    if (this.compiled) {
      const step = this.compiled;
      step.setConstants(packedConstants(model, this.optimizer.plainRates()!));
      model.applyWith = (params, x) => step.output(params, x);
    }
    if (this.cached) this.cached = subsetBatch(this.cached, keep);
    if (this.recurring) this.recurring = keep.map((i) => this.recurring![i]);
    return model;
  }

  dispose(): void {
    disposeVec(this.params);
    disposeVec(this.params0);
    this.optimizer.dispose();
    this.compiled?.dispose();
    this.setRecurring(null);
    this.model.dispose();
  }
}
