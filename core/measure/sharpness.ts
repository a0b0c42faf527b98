// Sharpness (docs/science.md §3): the top eigenvalue of the Hessian of the training loss on the probe
// batch, from exact Hessian-vector products, warm-started from the previous measurement's
// eigenvector. The step-scaled value is λ_max(P^½ H P^½) with P the optimizer's per-parameter
// step (η·λ_max for plain SGD), whose edge-of-stability threshold is 2.
import * as tf from '@tensorflow/tfjs';
import type { SharpnessConfig } from '../config/trial.js';
import { lossCurvature, lossGrad, type LossKind } from '../model/loss.js';
import type { Mlp, Params } from '../model/mlp.js';
import type { Preconditioner } from '../optim/optimizer.js';
import { Rng } from '../rng.js';
import type { DeviceBatch } from './probe.js';
import { topEigen } from './top-eigen.js';
import { dispose, mulEach, norm, randomUnit, type Vec } from './vectors.js';

export interface SharpnessValue {
  sharpness: number;
  sharpnessScaled?: number;
  /** Hessian-vector products used (raw + scaled) */
  hvps: number;
  /** gradient norm on the same batch (free: the HVP needs the gradient anyway) */
  gradNorm: number;
}

export class SharpnessEstimator {
  private raw: Vec | null = null;
  private scaled: Vec | null = null;
  private readonly rng: Rng;

  constructor(private readonly mlp: Mlp, private readonly loss: LossKind, private readonly cfg: SharpnessConfig, seed: number) {
    this.rng = new Rng(seed, 'sharpness');
  }

  measure(params: Params, probe: DeviceBatch, pre: Preconditioner | null): SharpnessValue {
    const result = tf.tidy(() => {
      const { mlp, loss, cfg } = this;
      const fw = mlp.forward(params, probe.x);
      const raw = fw.hs[fw.hs.length - 1];
      const f = probe.f0 ? tf.sub(raw, probe.f0) : raw;
      const bw = mlp.backward(params, fw, lossGrad(loss, f, probe.y));
      const gradNorm = norm(bw.grads);
      const p = loss === 'xent' ? tf.softmax(f) : null;
      const H = mlp.hvpOperator(params, fw, bw, (rf) => lossCurvature(loss, rf, p));
      const fresh = () => randomUnit(params, () => this.rng.normal());
      const opts = { iterations: cfg.iterations, tol: cfg.tol, method: cfg.method };

      const start = this.raw ?? fresh();
      const est = topEigen(H.apply, start, opts, fresh);
      this.replace('raw', est.vector);
      let hvps = est.iterations;
      let sharpnessScaled: number | undefined;
      if (pre && 'uniform' in pre) {
        sharpnessScaled = pre.uniform * est.value;
      } else if (pre) {
        const root = pre.perParam.map((x) => (typeof x === 'number' ? Math.sqrt(x) : tf.sqrt(x)));
        const op = (v: Vec) => mulEach(H.apply(mulEach(v, root)), root);
        const start2 = this.scaled ?? fresh();
        const est2 = topEigen(op, start2, opts, fresh);
        this.replace('scaled', est2.vector);
        hvps += est2.iterations;
        sharpnessScaled = est2.value;
      }
      return { sharpness: est.value, sharpnessScaled, hvps, gradNorm };
    });
    return result;
  }

  /** Keep the new eigenvector for the next warm start (it survives the tidy), drop the old one. */
  private replace(which: 'raw' | 'scaled', v: Vec): void {
    for (const t of v) tf.keep(t);
    dispose(this[which]);
    this[which] = v;
  }

  dispose(): void {
    dispose(this.raw);
    dispose(this.scaled);
    this.raw = this.scaled = null;
  }
}
