// The width exponents the coord check expects (docs/science.md §1, "Coord check"): for each
// parametrization, optimizer and layer role, how the mean |h| at initialisation and the mean
// update |h_t − h_0| scale with the hidden width N, from the first-step (small-update) analysis.
import type { OptimizerConfig, Parametrization } from '../config/trial.js';

export type LayerRole = 'input' | 'hidden' | 'output';
export type Measure = 'h' | 'dh';

export function layerRole(layer: number, depth: number): LayerRole {
  if (layer === depth - 1) return 'output';
  return layer === 0 ? 'input' : 'hidden';
}

interface Exponents {
  /** mean |h| at initialisation */
  h0: number;
  /** mean update |h_t − h_0| */
  dh: number;
}

/** Exponents of N per parametrization, optimizer kind and layer role. */
const TABLE: Record<Parametrization, Record<OptimizerConfig['kind'], Record<LayerRole, Exponents>>> = {
  mup: {
    sgd: { input: { h0: 0, dh: 0 }, hidden: { h0: 0, dh: 0 }, output: { h0: -0.5, dh: 0 } },
    adam: { input: { h0: 0, dh: 0 }, hidden: { h0: 0, dh: 0 }, output: { h0: -0.5, dh: 0 } },
  },
  ntk: {
    sgd: { input: { h0: 0, dh: -0.5 }, hidden: { h0: 0, dh: -0.5 }, output: { h0: 0, dh: 0 } },
    adam: { input: { h0: 0, dh: 0 }, hidden: { h0: 0, dh: 0.5 }, output: { h0: 0, dh: 0.5 } },
  },
  sp: {
    sgd: { input: { h0: 0, dh: -0.5 }, hidden: { h0: 0, dh: 0.5 }, output: { h0: 0, dh: 1 } },
    adam: { input: { h0: 0, dh: 0 }, hidden: { h0: 0, dh: 1 }, output: { h0: 0, dh: 1 } },
  },
};

/**
 * Expected slope of log size on log N, or null where no single exponent is predicted: after
 * step 0, |h| = |h_0 + Δh| follows h_0 when the update grows no faster, and crosses over from
 * one exponent to the other otherwise (not judged).
 */
export function expectedSlope(p: Parametrization, optimizer: OptimizerConfig['kind'], role: LayerRole, measure: Measure, step: number): number | null {
  const e = TABLE[p][optimizer][role];
  if (measure === 'dh') return e.dh;
  if (step === 0) return e.h0;
  return e.dh <= e.h0 ? e.h0 : null;
}

/**
 * SP at a fixed learning rate grows with width, and faster than the first-step exponent once
 * the updates are no longer small: its check is one-sided (at least the expected slope).
 * µP and NTK predict the exponent itself and are judged on both sides.
 */
export function oneSided(p: Parametrization): boolean {
  return p === 'sp';
}
