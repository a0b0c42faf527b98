// The explicit parametrizations of docs/science.md §1. Stored weights have a fixed init scale; each
// layer multiplies its matmul by a forward multiplier and trains with its own learning-rate
// factor. Everything width-dependent about sp / ntk / mup lives in this one table.
import type { ModelConfig, OptimizerConfig } from '../config/trial.js';

export interface LayerScale {
  fanIn: number;
  fanOut: number;
  /** std of the stored weights at init */
  initStd: number;
  /** h = multiplier · z·W (+ biasMultiplier · b) */
  multiplier: number;
  biasMultiplier: number;
  /** learning rate of this layer's weights / bias = η0 × factor */
  weightLr: number;
  biasLr: number;
}

/**
 * Per-layer scales for a depth-L MLP from inputDim to outputDim.
 *
 * - ntk / mup: W ~ N(0,1); multipliers 1/sqrt(D) (input layer), 1/sqrt(N) (hidden layers) and
 *   1/(γ0·sqrt(N)) (ntk) or 1/(γ0·N) (mup) on the output. SGD: mup trains every layer with η0·N,
 *   ntk with η0.
 * - sp: W ~ N(0, 1/fan_in), no multipliers except 1/γ0 on the output (none at γ0 = 1); lr η0.
 * - Depth 1 is a linear model with no hidden width: ntk and mup coincide there (multiplier
 *   1/(γ0·sqrt(D)), lr η0).
 * - A bias is a weight on a constant input that is not normalised by fan-in: its multiplier is
 *   the layer multiplier × sqrt(fan_in) (1 in hidden layers; 1/(γ0·sqrt(N)) on a mup output), so
 *   one SGD step moves it as much as it moves the layer's weights at every width.
 * - Adam (µP as in microsoft/mup's MuAdam, in multiplier form): Adam's update has O(1) entries
 *   whatever the gradient scale, so mup hidden layers get η0/sqrt(N) (their effective weights
 *   W/sqrt(N) then move by η0/N, the MuAdam rule) and the mup output bias η0·sqrt(N); everything
 *   else η0. ntk and sp use η0 for every parameter.
 */
export function layerScales(model: ModelConfig, optimizer: OptimizerConfig, inputDim: number, outputDim: number): LayerScale[] {
  const { depth: L, width: N, gamma: g, parametrization: p } = model;
  const adam = optimizer.kind === 'adam';
  const out: LayerScale[] = [];
  for (let l = 0; l < L; l++) {
    const fanIn = l === 0 ? inputDim : N;
    const fanOut = l === L - 1 ? outputDim : N;
    const isOut = l === L - 1;
    let initStd: number, multiplier: number;
    if (p === 'sp') {
      initStd = 1 / Math.sqrt(fanIn);
      multiplier = isOut ? 1 / g : 1;
    } else {
      initStd = 1;
      if (!isOut) multiplier = 1 / Math.sqrt(fanIn);
      else if (L === 1 || p === 'ntk') multiplier = 1 / (g * Math.sqrt(fanIn));
      else multiplier = 1 / (g * fanIn);
    }
    const biasMultiplier = p === 'sp' ? (isOut ? 1 / g : 1) : multiplier * Math.sqrt(fanIn);
    let weightLr = 1, biasLr = 1;
    if (p === 'mup' && L > 1) {
      if (!adam) {
        weightLr = biasLr = N;
      } else {
        if (l > 0 && !isOut) weightLr = 1 / Math.sqrt(fanIn);
        if (isOut) biasLr = Math.sqrt(fanIn);
      }
    }
    out.push({ fanIn, fanOut, initStd, multiplier, biasMultiplier, weightLr, biasLr });
  }
  return out;
}

/** The learning-rate convention recorded with every trial (what "lr" means for it). */
export function lrConvention(model: ModelConfig, optimizer: OptimizerConfig): string {
  const { parametrization: p, depth: L } = model;
  const base = 'plain (docs/science.md §1): lr = η0';
  if (optimizer.kind === 'sgd') {
    if (p === 'mup' && L > 1) return `${base}; sgd, mup: every layer trains with η0·N`;
    return `${base}; sgd, ${p}: every layer trains with η0`;
  }
  if (p === 'mup' && L > 1) return `${base}; adam, mup: hidden layers η0/sqrt(N), output bias η0·sqrt(N), others η0`;
  return `${base}; adam, ${p}: every layer trains with η0`;
}
