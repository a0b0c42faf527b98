// The MLP of docs/science.md §1 with a hand-written backward pass and an exact Hessian-vector
// product (Pearlmutter's R-operator, forward-over-reverse). Writing both by hand keeps the
// number of backend ops per step small and avoids nested autodiff, whose HVPs were wrong for
// tanh on this backend.
//
// Row-major batches: z_0 = x (B × D); for l = 0..L−1
//   h_l = a_l · z_l W_l (+ m_l · b_l),  z_{l+1} = φ(h_l);   output f = h_{L−1} (− f_init if centered)
// W_l is fan_in × fan_out. Parameters are a flat list: W_0, [b_0], W_1, [b_1], ...
import * as tf from '@tensorflow/tfjs';
import type { Activation, ModelConfig, OptimizerConfig } from '../config/trial.js';
import { centered as isCentered } from '../config/trial.js';
import { Rng } from '../rng.js';
import { activate, derivative, secondDerivative } from './activations.js';
import { layerScales, type LayerScale } from './parametrization.js';
import { matMulTA, matMulTB, matMulTBReluBackprop, scaledMatMul, scaledMatMulRelu, scaledMatMulTA } from './matmul.js';

export type Params = tf.Tensor[];

export interface ParamSpec {
  layer: number;
  kind: 'weight' | 'bias';
  shape: number[];
}

/** What the forward pass keeps for the backward pass. */
export interface Forward {
  /** inputs of each layer: zs[0] = x, zs[l] = φ(h_{l−1}) */
  zs: tf.Tensor[];
  /** pre-activations; hs[L−1] is the raw (uncentered) output */
  hs: tf.Tensor[];
}

export interface Backward {
  grads: tf.Tensor[];
  /** dL/dh_l for every layer */
  deltas: tf.Tensor[];
}

export class Mlp {
  readonly layers: LayerScale[];
  readonly specs: ParamSpec[];
  readonly depth: number;
  readonly activation: Activation;
  readonly bias: boolean;
  readonly centered: boolean;

  constructor(model: ModelConfig, optimizer: OptimizerConfig, readonly inputDim: number, readonly outputDim: number) {
    this.layers = layerScales(model, optimizer, inputDim, outputDim);
    this.depth = model.depth;
    this.activation = model.activation;
    this.bias = model.bias;
    this.centered = isCentered(model);
    this.specs = [];
    this.layers.forEach((s, layer) => {
      this.specs.push({ layer, kind: 'weight', shape: [s.fanIn, s.fanOut] });
      if (this.bias) this.specs.push({ layer, kind: 'bias', shape: [s.fanOut] });
    });
  }

  weightIndex(layer: number): number {
    return this.bias ? 2 * layer : layer;
  }

  biasIndex(layer: number): number {
    return 2 * layer + 1;
  }

  /** Learning-rate factor of each parameter (× η0). */
  lrFactors(): number[] {
    return this.specs.map((s) => (s.kind === 'weight' ? this.layers[s.layer].weightLr : this.layers[s.layer].biasLr));
  }

  /** Initial parameters from (seed, 'init', layer): the same on every backend. Biases start at 0. */
  init(seed: number): Params {
    return this.specs.map((s) => {
      const size = s.shape.reduce((a, b) => a * b, 1);
      const values = new Float32Array(size);
      if (s.kind === 'weight') new Rng(seed, 'init', s.layer).fillNormal(values, this.layers[s.layer].initStd);
      return tf.tensor(values, s.shape);
    });
  }

  forward(params: Params, x: tf.Tensor): Forward {
    const zs: tf.Tensor[] = [x];
    const hs: tf.Tensor[] = [];
    let z = x;
    for (let l = 0; l < this.depth; l++) {
      const s = this.layers[l];
      const W = params[this.weightIndex(l)];
      if (!this.bias && this.activation === 'relu' && l < this.depth - 1) {
        // product, multiplier and ReLU in one pass where the backend fuses them
        const fusedLayer = scaledMatMulRelu(z, W, s.multiplier);
        hs.push(fusedLayer.h);
        z = fusedLayer.z;
        zs.push(z);
        continue;
      }
      let h = scaledMatMul(z, W, s.multiplier);
      if (this.bias) h = tf.add(h, tf.mul(params[this.biasIndex(l)], s.biasMultiplier));
      hs.push(h);
      if (l < this.depth - 1) {
        z = activate(this.activation, h);
        zs.push(z);
      }
    }
    return { zs, hs };
  }

  /** Computes apply() instead of the ops below (the compiled forward pass, backend.step: compiled). */
  applyWith: ((params: Params, x: tf.Tensor) => tf.Tensor) | null = null;

  /** Raw network output (no centering). */
  apply(params: Params, x: tf.Tensor): tf.Tensor {
    if (this.applyWith) return this.applyWith(params, x);
    const { hs } = this.forward(params, x);
    return hs[hs.length - 1];
  }

  /** The model's output: raw, or minus the frozen initial network when centered. */
  output(params: Params, params0: Params | null, x: tf.Tensor): tf.Tensor {
    const f = this.apply(params, x);
    return this.centered && params0 ? tf.sub(f, this.apply(params0, x)) : f;
  }

  /**
   * Gradients of the loss given dL/df (centering does not change them: f_init is constant).
   * `scales[i]`, when given, multiplies gradient i (plain SGD passes its learning rates, so the
   * update is a single subtraction). Scalar factors (multipliers, scales) are carried along and
   * applied to whichever operand is smallest, never as an extra pass over a hidden activation.
   */
  backward(params: Params, fw: Forward, gOut: tf.Tensor, scales?: number[]): Backward {
    const grads: tf.Tensor[] = new Array(params.length);
    const raw: tf.Tensor[] = new Array(this.depth);
    const factor: number[] = new Array(this.depth);
    let g = gOut;
    let c = 1; // dL/dh_l = c·g
    for (let l = this.depth - 1; l >= 0; l--) {
      const s = this.layers[l];
      const wi = this.weightIndex(l);
      raw[l] = g;
      factor[l] = c;
      grads[wi] = scaledOuter(fw.zs[l], g, c * s.multiplier * (scales?.[wi] ?? 1));
      if (this.bias) {
        const bi = this.biasIndex(l);
        grads[bi] = tf.mul(tf.sum(g, 0), c * s.biasMultiplier * (scales?.[bi] ?? 1));
      }
      if (l > 0) {
        g = this.activation === 'relu'
          ? matMulTBReluBackprop(g, params[wi], fw.hs[l - 1])
          : tf.mul(matMulTB(g, params[wi]), derivative(this.activation, fw.hs[l - 1], fw.zs[l]));
        c *= s.multiplier;
      }
    }
    // δ_l are only needed for Hessian-vector products: scaled on first use, not every step
    let deltas: tf.Tensor[] | null = null;
    return {
      grads,
      get deltas() {
        deltas ??= raw.map((r, l) => (factor[l] === 1 ? r : tf.mul(r, factor[l])));
        return deltas;
      },
    };
  }

  /**
   * Exact Hessian-vector product builder. The returned function maps a direction v (shaped like
   * the parameters) to H·v, where H is the Hessian of the loss whose output gradient is
   * `bw.deltas[L−1]` and whose output curvature is `curvature`. Everything that does not depend on
   * v (φ', φ'', back-propagated output gradients) is computed once here; the caller owns tidying.
   */
  hvpOperator(params: Params, fw: Forward, bw: Backward, curvature: (rf: tf.Tensor) => tf.Tensor): {
    apply(v: Params): tf.Tensor[];
    tensors: tf.Tensor[];
  } {
    const L = this.depth;
    // materialised here, in the caller's scope: apply() runs inside short-lived tidies
    const deltas = bw.deltas;
    const dphi: tf.Tensor[] = [];
    const ddphi: (tf.Tensor | null)[] = [];
    const gz: tf.Tensor[] = []; // a_l · δ_l W_lᵀ, needed with φ''
    const kept: tf.Tensor[] = [];
    for (let l = 0; l < L - 1; l++) {
      dphi[l] = derivative(this.activation, fw.hs[l], fw.zs[l + 1]);
      ddphi[l] = secondDerivative(this.activation, fw.hs[l], fw.zs[l + 1]);
      kept.push(dphi[l]);
      if (ddphi[l]) {
        kept.push(ddphi[l]!);
        const s = this.layers[l + 1];
        gz[l] = tf.mul(matMulTB(deltas[l + 1], params[this.weightIndex(l + 1)]), s.multiplier);
        kept.push(gz[l]);
      }
    }
    const apply = (v: Params): tf.Tensor[] => {
      // R-forward: directional derivatives of h_l and z_l
      const rh: tf.Tensor[] = [];
      const rz: (tf.Tensor | null)[] = [null];
      for (let l = 0; l < L; l++) {
        const s = this.layers[l];
        const W = params[this.weightIndex(l)] as tf.Tensor;
        let r = tf.matMul(fw.zs[l], v[this.weightIndex(l)]);
        if (rz[l]) r = tf.add(r, tf.matMul(rz[l]!, W));
        r = tf.mul(r, s.multiplier);
        if (this.bias) r = tf.add(r, tf.mul(v[this.biasIndex(l)], s.biasMultiplier));
        rh.push(r);
        if (l < L - 1) rz.push(tf.mul(dphi[l], r));
      }
      // R-backward
      const out: tf.Tensor[] = new Array(params.length);
      let rg = curvature(rh[L - 1]);
      for (let l = L - 1; l >= 0; l--) {
        const s = this.layers[l];
        const g = deltas[l];
        let rdw = scaledOuter(fw.zs[l], rg, s.multiplier);
        if (rz[l]) rdw = tf.add(rdw, scaledOuter(rz[l]!, g, s.multiplier));
        out[this.weightIndex(l)] = rdw;
        if (this.bias) out[this.biasIndex(l)] = tf.mul(tf.sum(rg, 0), s.biasMultiplier);
        if (l > 0) {
          const W = params[this.weightIndex(l)] as tf.Tensor;
          const V = v[this.weightIndex(l)] as tf.Tensor;
          const rgz = tf.mul(tf.add(matMulTB(rg, W), matMulTB(g, V)), s.multiplier);
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
}

/** c · zᵀ·g, scaling the smaller of z and the product. */
function scaledOuter(z: tf.Tensor, g: tf.Tensor, c: number): tf.Tensor {
  if (c === 1) return matMulTA(z, g);
  return z.shape[0] < (g.shape[1] ?? 1) ? matMulTA(tf.mul(z, c), g) : scaledMatMulTA(z, g, c);
}
