// SGD (momentum, L2 weight decay) and Adam (bias correction, decoupled weight decay) on packed
// parameters, as core/optim/sgd.ts and adam.ts with each trial's learning rates as [T, 1, 1]
// factors. Settings other than the learning rate are shared: they are part of the pack key.
import * as tf from '@tensorflow/tfjs';
import type { OptimizerConfig } from '../../config/trial.js';
import { mulTrials, type PackedMlp } from '../../model/packed-mlp.js';

/**
 * Per-trial step sizes for the scaled sharpness: `uniform[t]` when trial t uses one step size
 * for every parameter (the sharpness is then scaled by a product), else `roots` holds
 * P^½ per parameter tensor for those trials (tensors belong to the caller's tidy).
 */
export interface PackedPreconditioner {
  uniform: (number | null)[];
  roots: tf.Tensor[] | null;
}

export interface PackedOptimizer {
  update(params: tf.Tensor[], grads: tf.Tensor[]): tf.Tensor[];
  preconditioner(): PackedPreconditioner | null;
  /** plain SGD: lrs[param][trial], folded into the gradient by the trainer */
  plainRates(): number[][] | null;
  /** keeps trials `keep` only, in that order */
  subset(keep: readonly number[], model: PackedMlp): void;
  dispose(): void;
}

/** lrs[param][trial] = factor × that trial's η0, computed as createOptimizer does. */
export function packedLrs(model: PackedMlp, configs: readonly OptimizerConfig[]): number[][] {
  return model.lrFactors().map((perTrial) => perTrial.map((f, t) => f * configs[t].lr));
}

function gather(xs: (tf.Tensor | null)[], keep: readonly number[]): (tf.Tensor | null)[] {
  const idx = tf.tensor1d(Int32Array.from(keep), 'int32');
  const out = xs.map((x) => {
    if (!x) return null;
    const g = tf.gather(x, idx, 0);
    x.dispose();
    return g;
  });
  idx.dispose();
  return out;
}

const pick = (lrs: number[][], keep: readonly number[]) => lrs.map((perTrial) => keep.map((t) => perTrial[t]));

export class PackedSgd implements PackedOptimizer {
  private buffers: (tf.Tensor | null)[];

  constructor(private lrs: number[][], private model: PackedMlp, private readonly momentum: number, private readonly weightDecay: number) {
    this.buffers = lrs.map(() => null);
  }

  update(params: tf.Tensor[], grads: tf.Tensor[]): tf.Tensor[] {
    return params.map((p, i) => {
      let g = grads[i];
      if (this.weightDecay > 0) g = tf.add(g, tf.mul(p, this.weightDecay));
      if (this.momentum > 0) {
        const old = this.buffers[i];
        const buf = old ? tf.add(tf.mul(old, this.momentum), g) : tf.clone(g);
        this.buffers[i] = tf.keep(buf);
        old?.dispose();
        g = buf;
      }
      const lr = this.model.scalar(this.lrs[i]);
      return tf.sub(p, lr ? mulTrials(g, lr) : g);
    });
  }

  preconditioner(): PackedPreconditioner {
    const scale = 1 / (1 + this.momentum);
    const T = this.lrs[0].length;
    const uniform: (number | null)[] = [];
    let mixed = false;
    for (let t = 0; t < T; t++) {
      const first = this.lrs[0][t];
      const same = this.lrs.every((perTrial) => perTrial[t] === first);
      uniform.push(same ? first * scale : null);
      if (!same) mixed = true;
    }
    // sgd.ts's perParam numbers, whose square roots sharpness.ts takes in float64
    const roots = mixed ? this.lrs.map((perTrial) => tf.tensor3d(Float32Array.from(perTrial.map((lr) => Math.sqrt(lr * scale))), [T, 1, 1])) : null;
    return { uniform, roots };
  }

  plainRates(): number[][] | null {
    return this.momentum === 0 && this.weightDecay === 0 ? this.lrs : null;
  }

  subset(keep: readonly number[], model: PackedMlp): void {
    this.buffers = gather(this.buffers, keep);
    this.lrs = pick(this.lrs, keep);
    this.model = model;
  }

  dispose(): void {
    for (const b of this.buffers) b?.dispose();
    this.buffers = this.lrs.map(() => null);
  }
}

export interface PackedAdamSettings {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export class PackedAdam implements PackedOptimizer {
  private m: (tf.Tensor | null)[];
  private v: (tf.Tensor | null)[];
  private t = 0;

  constructor(private lrs: number[][], private model: PackedMlp, private readonly s: PackedAdamSettings) {
    this.m = lrs.map(() => null);
    this.v = lrs.map(() => null);
  }

  update(params: tf.Tensor[], grads: tf.Tensor[]): tf.Tensor[] {
    this.t += 1;
    const { beta1, beta2, eps, weightDecay } = this.s;
    const c1 = 1 - beta1 ** this.t;
    const c2 = 1 - beta2 ** this.t;
    return params.map((p, i) => {
      const g = grads[i];
      const oldM = this.m[i], oldV = this.v[i];
      const m = oldM ? tf.add(tf.mul(oldM, beta1), tf.mul(g, 1 - beta1)) : tf.mul(g, 1 - beta1);
      const v = oldV ? tf.add(tf.mul(oldV, beta2), tf.mul(tf.square(g), 1 - beta2)) : tf.mul(tf.square(g), 1 - beta2);
      this.m[i] = tf.keep(m);
      this.v[i] = tf.keep(v);
      oldM?.dispose();
      oldV?.dispose();
      const step = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), eps));
      const lr = this.model.scalar(this.lrs[i]);
      let next = tf.sub(p, lr ? mulTrials(step, lr) : step);
      if (weightDecay > 0) {
        const wd = this.model.scalar(this.lrs[i].map((x) => x * weightDecay));
        next = tf.sub(next, wd ? mulTrials(p, wd) : p);
      }
      return next;
    });
  }

  preconditioner(): PackedPreconditioner | null {
    if (this.t === 0) return null;
    const { beta1, beta2, eps } = this.s;
    const c2 = 1 - beta2 ** this.t;
    const scale = (1 - beta1) / (1 + beta1);
    const T = this.lrs[0].length;
    const roots = this.v.map((v, i) => {
      const num = tf.tensor3d(Float32Array.from(this.lrs[i].map((lr) => lr * scale)), [T, 1, 1]);
      return tf.sqrt(tf.div(num, tf.add(tf.sqrt(tf.div(v!, c2)), eps)));
    });
    return { uniform: new Array<null>(T).fill(null), roots };
  }

  plainRates(): null {
    return null;
  }

  subset(keep: readonly number[], model: PackedMlp): void {
    this.m = gather(this.m, keep);
    this.v = gather(this.v, keep);
    this.lrs = pick(this.lrs, keep);
    this.model = model;
  }

  dispose(): void {
    for (const x of [...this.m, ...this.v]) x?.dispose();
    this.m = this.lrs.map(() => null);
    this.v = this.lrs.map(() => null);
    this.t = 0;
  }
}

export function createPackedOptimizer(model: PackedMlp, configs: readonly OptimizerConfig[]): PackedOptimizer {
  const lrs = packedLrs(model, configs);
  const c = configs[0];
  if (c.kind === 'sgd') return new PackedSgd(lrs, model, c.momentum, c.weightDecay);
  return new PackedAdam(lrs, model, { beta1: c.beta1, beta2: c.beta2, eps: c.eps, weightDecay: c.weightDecay });
}
