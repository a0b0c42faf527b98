// T MLPs of one shape as one vectorised model (trial packing): every parameter gets a leading
// trial axis (weights [T, fanIn, fanOut], biases [T, 1, fanOut]), batches are [T, B, D], and the
// scalars that differ between trials (forward multipliers, init std, learning rates, γ0 and the
// parametrization behind them) are [T, 1, 1] tensors. Forward, backward and the exact
// Hessian-vector product mirror mlp.ts op for op, with every scalar factor applied to the same
// operand, so each trial's slice computes the same float32 operations as that trial alone.
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig, OptimizerConfig } from '../config/trial.js';
import type { Activation } from '../config/trial.js';
import { Rng } from '../rng.js';
import { activate, derivative, secondDerivative } from './activations.js';
import { Mlp, type ParamSpec } from './mlp.js';
import { wasmGemm } from '../backend/wasm-gemm.js';
import { NATIVE_BACKEND } from '../backend/native.js';

export type PackedParams = tf.Tensor[];

export interface PackedForward {
  zs: tf.Tensor[];
  hs: tf.Tensor[];
}

export interface PackedBackward {
  grads: tf.Tensor[];
  readonly deltas: tf.Tensor[];
}

/** A per-trial scalar: null when it is 1 for every trial (the product would change nothing). */
export type TrialScalar = tf.Tensor | null;

function explicitTransposes(): boolean {
  return tf.getBackend() === 'wasm' && !wasmGemm();
}

/** Batched A·B over the trial axis. */
export function bmm(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D);
}

/** Batched Aᵀ·B, the choices of matMulTA (mlp.ts) made on the per-trial shapes. */
export function bmmTA(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const [T, K, M] = a.shape as [number, number, number];
  if (K === 1) return tf.mul(tf.reshape(a, [T, M, 1]), b);
  if (!explicitTransposes()) return tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, true, false);
  return tf.matMul(tf.transpose(a, [0, 2, 1]) as tf.Tensor3D, b as tf.Tensor3D);
}

/** Batched A·Bᵀ, the choices of matMulTB (mlp.ts) made on the per-trial shapes. */
export function bmmTB(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const [T, M, K] = a.shape as [number, number, number];
  const N = b.shape[1]!;
  if (K === 1) return tf.mul(a, tf.reshape(b, [T, 1, N]));
  if (!explicitTransposes()) return tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, false, true);
  const direct = 2 * (b.size / T);
  const swapped = 2 * (a.size / T) + M * N;
  const t = (x: tf.Tensor) => tf.transpose(x, [0, 2, 1]) as tf.Tensor3D;
  return swapped < direct ? t(tf.matMul(b as tf.Tensor3D, t(a))) : tf.matMul(a as tf.Tensor3D, t(b));
}

/**
 * x_t · s_t for every trial, s a [T, 1, 1] (or [T]) tensor of per-trial factors. The product is
 * taken on x flattened to [T, n] against [T, 1]: the same numbers, and on wasm a faster kernel
 * than the rank-3 broadcast (measured about 1.8× on [64, 128, 64]).
 */
export function mulTrials(x: tf.Tensor, s: tf.Tensor): tf.Tensor {
  const T = x.shape[0]!;
  return tf.reshape(tf.mul(tf.reshape(x, [T, -1]), tf.reshape(s, [T, 1])), x.shape);
}

/**
 * Σ over the batch axis of each trial's [B, N] slice: [T, 1, N]. TensorFlow reduces the middle
 * axis of a rank-3 tensor in another order than the first axis of a matrix (the single-trial
 * bias gradient), so there each slice is summed as that matrix; wasm and cpu sum both in order.
 */
export function batchSum(g: tf.Tensor): tf.Tensor {
  if (tf.getBackend() !== NATIVE_BACKEND) return tf.sum(g, 1, true);
  return tf.stack(tf.unstack(g, 0).map((s) => tf.sum(s, 0, true)));
}

export class PackedMlp {
  readonly inputDim: number;
  readonly outputDim: number;
  readonly specs: ParamSpec[];
  readonly depth: number;
  readonly activation: Activation;
  readonly bias: boolean;
  /** whether any trial is centered (centering follows γ0, which may differ inside a pack) */
  readonly centered: boolean;
  private readonly scalars = new Map<string, tf.Tensor>();

  /** `members`: each trial's own model, all of one shape */
  constructor(readonly members: readonly Mlp[]) {
    const first = members[0];
    this.specs = first.specs;
    this.depth = first.depth;
    this.activation = first.activation;
    this.bias = first.bias;
    this.centered = members.some((m) => m.centered);
    this.inputDim = first.inputDim;
    this.outputDim = first.outputDim;
  }

  static of(models: readonly { model: ModelConfig; optimizer: OptimizerConfig }[], inputDim: number, outputDim: number): PackedMlp {
    return new PackedMlp(models.map((m) => new Mlp(m.model, m.optimizer, inputDim, outputDim)));
  }

  get trials(): number {
    return this.members.length;
  }

  weightIndex(layer: number): number {
    return this.bias ? 2 * layer : layer;
  }

  biasIndex(layer: number): number {
    return 2 * layer + 1;
  }

  /** A packed parameter's shape: [T, fanIn, fanOut] or [T, 1, fanOut]. */
  packedShape(spec: ParamSpec, T = this.trials): number[] {
    return spec.kind === 'weight' ? [T, ...spec.shape] : [T, 1, spec.shape[0]];
  }

  /**
   * The [T, 1, 1] tensor of per-trial values (computed in float64 by the caller exactly as the
   * single-trial code computes them), cached for the model's life; null when all are 1.
   */
  scalar(values: readonly number[]): TrialScalar {
    if (values.every((v) => v === 1)) return null;
    const f32 = Float32Array.from(values);
    const key = Array.from(new Uint32Array(f32.buffer)).join(',');
    let t = this.scalars.get(key);
    if (!t) {
      t = tf.keep(tf.tensor3d(f32, [f32.length, 1, 1]));
      this.scalars.set(key, t);
    }
    return t;
  }

  /** Per-trial values of a layer's scale field. */
  perTrial(layer: number, pick: (s: Mlp['layers'][number]) => number): number[] {
    return this.members.map((m) => pick(m.layers[layer]));
  }

  /** Learning-rate factors: lrFactors()[param][trial]. */
  lrFactors(): number[][] {
    const each = this.members.map((m) => m.lrFactors());
    return this.specs.map((_, i) => each.map((f) => f[i]));
  }

  /** Each trial's initial parameters from its own seed, the same values as Mlp.init. */
  init(seeds: readonly number[]): PackedParams {
    const T = this.trials;
    return this.specs.map((s) => {
      const size = s.shape.reduce((a, b) => a * b, 1);
      const values = new Float32Array(T * size);
      if (s.kind === 'weight') {
        for (let t = 0; t < T; t++) {
          new Rng(seeds[t], 'init', s.layer).fillNormal(values.subarray(t * size, (t + 1) * size), this.members[t].layers[s.layer].initStd);
        }
      }
      return tf.tensor(values, this.packedShape(s));
    });
  }

  /** Trials `keep` only (in that order): the model of a pack whose other trials have ended. */
  subset(keep: readonly number[]): PackedMlp {
    return new PackedMlp(keep.map((i) => this.members[i]));
  }

  /** x·s; skipped when s is 1 for every trial (mlp.ts's products by 1 are exact no-ops). */
  private mul(x: tf.Tensor, s: TrialScalar): tf.Tensor {
    return s ? mulTrials(x, s) : x;
  }

  private multiplier(l: number): TrialScalar {
    return this.scalar(this.perTrial(l, (s) => s.multiplier));
  }

  private biasMultiplier(l: number): TrialScalar {
    return this.scalar(this.perTrial(l, (s) => s.biasMultiplier));
  }

  forward(params: PackedParams, x: tf.Tensor): PackedForward {
    const zs: tf.Tensor[] = [x];
    const hs: tf.Tensor[] = [];
    let z = x;
    for (let l = 0; l < this.depth; l++) {
      let h = this.mul(bmm(z, params[this.weightIndex(l)]), this.multiplier(l));
      if (this.bias) h = tf.add(h, this.mul(params[this.biasIndex(l)], this.biasMultiplier(l)));
      hs.push(h);
      if (l < this.depth - 1) {
        z = activate(this.activation, h);
        zs.push(z);
      }
    }
    return { zs, hs };
  }

  /** Computes apply() instead of the ops below (the compiled forward pass, backend.step: compiled). */
  applyWith: ((params: PackedParams, x: tf.Tensor) => tf.Tensor) | null = null;

  apply(params: PackedParams, x: tf.Tensor): tf.Tensor {
    if (this.applyWith) return this.applyWith(params, x);
    const { hs } = this.forward(params, x);
    return hs[hs.length - 1];
  }

  /**
   * f_init of each trial on its x: the frozen initial network's output for centered trials,
   * zeros for the others (f − 0 is f exactly, so one subtraction serves the whole pack).
   */
  frozenOutput(params0: PackedParams, x: tf.Tensor): tf.Tensor {
    const f = this.apply(params0, x);
    if (this.members.every((m) => m.centered)) return f;
    const mask = tf.tensor3d(Uint8Array.from(this.members.map((m) => Number(m.centered))), [this.trials, 1, 1], 'bool');
    return tf.where(tf.broadcastTo(mask, f.shape), f, tf.zerosLike(f));
  }

  /**
   * Gradients given dL/df, as Mlp.backward; `scales[i][t]` multiplies trial t's gradient i
   * (plain SGD's learning rates).
   */
  backward(params: PackedParams, fw: PackedForward, gOut: tf.Tensor, scales?: readonly (readonly number[])[]): PackedBackward {
    const T = this.trials;
    const grads: tf.Tensor[] = new Array(params.length);
    const raw: tf.Tensor[] = new Array(this.depth);
    const factor: number[][] = new Array(this.depth);
    let g = gOut;
    let c: number[] = new Array<number>(T).fill(1);
    for (let l = this.depth - 1; l >= 0; l--) {
      const wi = this.weightIndex(l);
      const mult = this.perTrial(l, (s) => s.multiplier);
      raw[l] = g;
      factor[l] = c;
      grads[wi] = this.scaledOuter(fw.zs[l], g, c.map((ci, t) => ci * mult[t] * (scales?.[wi][t] ?? 1)));
      if (this.bias) {
        const bi = this.biasIndex(l);
        const bm = this.perTrial(l, (s) => s.biasMultiplier);
        grads[bi] = this.mul(batchSum(g), this.scalar(c.map((ci, t) => ci * bm[t] * (scales?.[bi][t] ?? 1))));
      }
      if (l > 0) {
        g = tf.mul(bmmTB(g, params[wi]), derivative(this.activation, fw.hs[l - 1], fw.zs[l]));
        c = c.map((ci, t) => ci * mult[t]);
      }
    }
    let deltas: tf.Tensor[] | null = null;
    return {
      grads,
      get deltas() {
        deltas ??= raw.map((r, l) => (factor[l].every((f) => f === 1) ? r : mulTrials(r, tf.tensor1d(Float32Array.from(factor[l])))));
        return deltas;
      },
    };
  }

  /** The batched exact Hessian-vector product of Mlp.hvpOperator: trial t's slice of H·v is H_t·v_t. */
  hvpOperator(params: PackedParams, fw: PackedForward, bw: PackedBackward, curvature: (rf: tf.Tensor) => tf.Tensor): {
    apply(v: PackedParams): tf.Tensor[];
    tensors: tf.Tensor[];
  } {
    const L = this.depth;
    const deltas = bw.deltas;
    const dphi: tf.Tensor[] = [];
    const ddphi: (tf.Tensor | null)[] = [];
    const gz: tf.Tensor[] = [];
    const kept: tf.Tensor[] = [];
    for (let l = 0; l < L - 1; l++) {
      dphi[l] = derivative(this.activation, fw.hs[l], fw.zs[l + 1]);
      ddphi[l] = secondDerivative(this.activation, fw.hs[l], fw.zs[l + 1]);
      kept.push(dphi[l]);
      if (ddphi[l]) {
        kept.push(ddphi[l]!);
        gz[l] = this.mul(bmmTB(deltas[l + 1], params[this.weightIndex(l + 1)]), this.multiplier(l + 1));
        kept.push(gz[l]);
      }
    }
    const apply = (v: PackedParams): tf.Tensor[] => {
      const rh: tf.Tensor[] = [];
      const rz: (tf.Tensor | null)[] = [null];
      for (let l = 0; l < L; l++) {
        const W = params[this.weightIndex(l)];
        let r = bmm(fw.zs[l], v[this.weightIndex(l)]);
        if (rz[l]) r = tf.add(r, bmm(rz[l]!, W));
        r = this.mul(r, this.multiplier(l));
        if (this.bias) r = tf.add(r, this.mul(v[this.biasIndex(l)], this.biasMultiplier(l)));
        rh.push(r);
        if (l < L - 1) rz.push(tf.mul(dphi[l], r));
      }
      const out: tf.Tensor[] = new Array(params.length);
      let rg = curvature(rh[L - 1]);
      for (let l = L - 1; l >= 0; l--) {
        const g = deltas[l];
        const mult = this.perTrial(l, (s) => s.multiplier);
        let rdw = this.scaledOuter(fw.zs[l], rg, mult);
        if (rz[l]) rdw = tf.add(rdw, this.scaledOuter(rz[l]!, g, mult));
        out[this.weightIndex(l)] = rdw;
        if (this.bias) out[this.biasIndex(l)] = this.mul(batchSum(rg), this.biasMultiplier(l));
        if (l > 0) {
          const W = params[this.weightIndex(l)];
          const V = v[this.weightIndex(l)];
          const rgz = this.mul(tf.add(bmmTB(rg, W), bmmTB(g, V)), this.multiplier(l));
          let next = tf.mul(rgz, dphi[l - 1]);
          if (ddphi[l - 1]) next = tf.add(next, tf.mul(gz[l - 1], tf.mul(ddphi[l - 1]!, rh[l - 1])));
          rg = next;
        }
      }
      return out;
    };
    kept.push(...deltas);
    return { apply, tensors: kept };
  }

  /** c_t · z_tᵀ·g_t, scaling the smaller of z and the product as mlp.ts's scaledOuter does. */
  private scaledOuter(z: tf.Tensor, g: tf.Tensor, c: readonly number[]): tf.Tensor {
    const s = this.scalar(c);
    if (!s) return bmmTA(z, g);
    return z.shape[1]! < g.shape[2]! ? bmmTA(mulTrials(z, s), g) : mulTrials(bmmTA(z, g), s);
  }

  dispose(): void {
    for (const t of this.scalars.values()) t.dispose();
    this.scalars.clear();
  }
}
