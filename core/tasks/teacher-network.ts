// A random, fixed teacher MLP in the NTK-style scaling of docs/science.md §1 (unit-variance weights,
// 1/sqrt(fan_in) forward multipliers), so its outputs are O(1) whatever the width.
import type { Activation } from '../config/trial.js';
import type { Rng } from '../rng.js';
import { activationFn } from './activations.js';

export class TeacherNetwork {
  /** weights[l] is out × in, row-major */
  private readonly weights: Float64Array[] = [];
  private readonly dims: number[];
  private readonly phi: (x: number) => number;

  /** depth = number of weight layers (1 = linear map of the input). */
  constructor(rng: Rng, inputDim: number, width: number, depth: number, outputDim: number, activation: Activation) {
    this.dims = [inputDim, ...Array<number>(depth - 1).fill(width), outputDim];
    for (let l = 0; l < depth; l++) this.weights.push(rng.fillNormal(new Float64Array(this.dims[l + 1] * this.dims[l])) as Float64Array);
    this.phi = activationFn(activation);
  }

  get outputDim(): number { return this.dims[this.dims.length - 1]; }

  /** f(x) for one input (length inputDim) into out (length outputDim). */
  forward(x: ArrayLike<number>, out: Float64Array): void {
    let h: Float64Array = Float64Array.from(x);
    for (let l = 0; l < this.weights.length; l++) {
      const fanIn = this.dims[l], fanOut = this.dims[l + 1], w = this.weights[l];
      const a = l === 0 ? h : h.map(this.phi);
      const next = l === this.weights.length - 1 ? out : new Float64Array(fanOut);
      const scale = 1 / Math.sqrt(fanIn);
      for (let o = 0; o < fanOut; o++) {
        let s = 0;
        const row = o * fanIn;
        for (let i = 0; i < fanIn; i++) s += w[row + i] * a[i];
        next[o] = s * scale;
      }
      h = next;
    }
  }
}
