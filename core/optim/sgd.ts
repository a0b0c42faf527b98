// SGD with heavy-ball momentum (buf = β·buf + g; θ −= lr·buf, as in PyTorch) and L2 weight decay
// added to the gradient. Each parameter has its own learning rate (η0 × the layer's factor).
import * as tf from '@tensorflow/tfjs';
import type { Optimizer, Preconditioner } from './optimizer.js';

export class Sgd implements Optimizer {
  private buffers: (tf.Tensor | null)[];

  constructor(private readonly lrs: number[], private readonly momentum = 0, private readonly weightDecay = 0) {
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
      return tf.sub(p, tf.mul(g, this.lrs[i]));
    });
  }

  /**
   * Heavy ball on a quadratic is stable iff η·λ < 2(1 + β), so the scaled sharpness uses η/(1 + β).
   * (L2 weight decay shifts the curvature by wd; the threshold here is for the loss alone.)
   */
  preconditioner(): Preconditioner {
    const scale = 1 / (1 + this.momentum);
    const first = this.lrs[0];
    if (this.lrs.every((lr) => lr === first)) return { uniform: first * scale };
    return { perParam: this.lrs.map((lr) => lr * scale) };
  }

  plainRates(): number[] | null {
    return this.momentum === 0 && this.weightDecay === 0 ? this.lrs : null;
  }

  dispose(): void {
    for (const b of this.buffers) b?.dispose();
    this.buffers = this.lrs.map(() => null);
  }
}
