// Adam with bias correction and decoupled weight decay (AdamW: θ −= lr·wd·θ), per-parameter
// learning rates (µP factors from the parametrization).
import * as tf from '@tensorflow/tfjs';
import type { Optimizer, Preconditioner } from './optimizer.js';

export interface AdamSettings {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export class Adam implements Optimizer {
  private m: (tf.Tensor | null)[];
  private v: (tf.Tensor | null)[];
  private t = 0;

  constructor(private readonly lrs: number[], private readonly s: AdamSettings) {
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
      let next = tf.sub(p, tf.mul(step, this.lrs[i]));
      if (weightDecay > 0) next = tf.sub(next, tf.mul(p, this.lrs[i] * weightDecay));
      return next;
    });
  }

  /**
   * Adam is heavy ball with step (1 − β1)·P, P = lr/(sqrt(v̂) + eps), and momentum β1, so it is
   * stable on a quadratic iff λ_max(PH)·(1 − β1)/(1 + β1) < 2 (Cohen et al. 2022, arXiv 2207.14484).
   */
  preconditioner(): Preconditioner | null {
    if (this.t === 0) return null;
    const { beta1, beta2, eps } = this.s;
    const c2 = 1 - beta2 ** this.t;
    const scale = (1 - beta1) / (1 + beta1);
    return {
      perParam: this.v.map((v, i) => tf.div(this.lrs[i] * scale, tf.add(tf.sqrt(tf.div(v!, c2)), eps))),
    };
  }

  dispose(): void {
    for (const x of [...this.m, ...this.v]) x?.dispose();
    this.m = this.lrs.map(() => null);
    this.v = this.lrs.map(() => null);
    this.t = 0;
  }
}
