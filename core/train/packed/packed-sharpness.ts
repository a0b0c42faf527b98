// Sharpness of every trial in a pack (measure/sharpness.ts batched): one packed forward and
// backward pass on each trial's probe batch, batched exact Hessian-vector products, and each
// trial's own power iteration or Lanczos run, warm-started from its previous eigenvector and
// drawing fresh starts from its own (seed, 'sharpness') stream.
import * as tf from '@tensorflow/tfjs';
import type { SharpnessConfig } from '../../config/trial.js';
import type { LossKind } from '../../model/loss.js';
import { packedLossCurvature, packedLossGrad } from '../../model/packed-loss.js';
import type { PackedMlp, PackedParams } from '../../model/packed-mlp.js';
import { Rng } from '../../rng.js';
import type { SharpnessValue } from '../../measure/sharpness.js';
import type { PackedBatch } from './packed-data.js';
import { packedTopEigen } from './packed-eigen.js';
import type { PackedPreconditioner } from './packed-optimizer.js';
import { disposeVec, dots, gatherVec, mulEach, randomUnitEach, select, type PackedVec } from './packed-vectors.js';

export class PackedSharpness {
  private raw: PackedVec | null = null;
  private scaled: PackedVec | null = null;
  private rngs: Rng[];

  constructor(private model: PackedMlp, private readonly loss: LossKind, private readonly cfg: SharpnessConfig, seeds: readonly number[]) {
    this.rngs = seeds.map((s) => new Rng(s, 'sharpness'));
  }

  /** `preconditioner` runs inside the measurement's tidy, which frees its tensors. */
  measure(params: PackedParams, probe: PackedBatch, preconditioner: () => PackedPreconditioner | null): SharpnessValue[] {
    let out: SharpnessValue[] = [];
    tf.tidy(() => {
      const { model, loss, cfg } = this;
      const pre = preconditioner();
      const T = model.trials;
      const fw = model.forward(params, probe.x);
      const raw = fw.hs[fw.hs.length - 1];
      const f = probe.f0 ? tf.sub(raw, probe.f0) : raw;
      const bw = model.backward(params, fw, packedLossGrad(loss, f, probe.y));
      const gradNorm = dots([[bw.grads, bw.grads]])[0].map(Math.sqrt);
      const p = loss === 'xent' ? tf.softmax(f) : null;
      const H = model.hvpOperator(params, fw, bw, (rf) => packedLossCurvature(loss, rf, p));
      const shapes = params.map((t) => t.shape);
      const fresh = (want: readonly boolean[], base: PackedVec | null) => randomUnitEach(shapes, this.rngs, want, base);
      const opts = { iterations: cfg.iterations, tol: cfg.tol, method: cfg.method };
      const all = new Array<boolean>(T).fill(true);

      const est = packedTopEigen(H.apply, this.raw ?? fresh(all, null), all, opts, fresh);
      this.replace('raw', est.vector);
      const hvps = est.iterations.slice();
      const sharpnessScaled: (number | undefined)[] = new Array<undefined>(T).fill(undefined);
      if (pre) {
        const want = pre.uniform.map((u) => u === null);
        pre.uniform.forEach((u, t) => { if (u !== null) sharpnessScaled[t] = u * est.value[t]; });
        if (want.some(Boolean)) {
          const roots = pre.roots!;
          const op = (v: PackedVec) => mulEach(H.apply(mulEach(v, roots)), roots);
          const start = this.scaled ? this.scaled : fresh(want, null);
          const est2 = packedTopEigen(op, start, want, opts, fresh);
          this.replace('scaled', this.scaled ? select(want, est2.vector, this.scaled) : est2.vector);
          want.forEach((w, t) => {
            if (!w) return;
            hvps[t] += est2.iterations[t];
            sharpnessScaled[t] = est2.value[t];
          });
        }
      }
      out = est.value.map((sharpness, t) => ({ sharpness, sharpnessScaled: sharpnessScaled[t], hvps: hvps[t], gradNorm: gradNorm[t] }));
    });
    return out;
  }

  /** Keeps trials `keep` only, in that order, with the model of that subset. */
  subset(keep: readonly number[], model: PackedMlp): void {
    for (const which of ['raw', 'scaled'] as const) {
      const v = this[which];
      if (!v) continue;
      this[which] = gatherVec(v, keep);
      disposeVec(v);
    }
    this.rngs = keep.map((i) => this.rngs[i]);
    this.model = model;
  }

  private replace(which: 'raw' | 'scaled', v: PackedVec): void {
    for (const t of v) tf.keep(t);
    disposeVec(this[which]);
    this[which] = v;
  }

  dispose(): void {
    disposeVec(this.raw);
    disposeVec(this.scaled);
    this.raw = this.scaled = null;
  }
}
