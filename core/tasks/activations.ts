// Scalar activations for the teacher networks (the trainer's models have their own, on tfjs).
import type { Activation } from '../config/trial.js';

/** erf, Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7, below float32 resolution of the data). */
export function erf(x: number): number {
  const s = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return s * (1 - poly * Math.exp(-a * a));
}

export function activationFn(name: Activation): (x: number) => number {
  switch (name) {
    case 'relu': return (x) => (x > 0 ? x : 0);
    case 'tanh': return Math.tanh;
    case 'gelu': return (x) => 0.5 * x * (1 + erf(x / Math.SQRT2));
    case 'linear': return (x) => x;
  }
}
