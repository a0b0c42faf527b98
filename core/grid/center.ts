// Centering is decided once per sweep. Its per-config default (on exactly when γ0 ≠ 1) would
// flip inside a γ0 axis that contains 1, so that one grid point trains a different model; a
// sweep instead centers every trial when any of its trials has γ0 ≠ 1. A `model.center`
// written in the spec (in the base, an axis over it, or inside a whole `model` value) is kept.
import type { Grid } from './grid.js';
import { getPath, isPlainObject, type Json } from './paths.js';

/** The γ0 values a sweep's trials take: from a model.gamma axis, a model axis, or the base. */
function gammas(base: Json, grid: Grid): unknown[] {
  const gammaOf = (model: unknown) => (isPlainObject(model) && model.gamma !== undefined ? model.gamma : 1);
  for (const axis of grid.axes) {
    if (axis.path === 'model.gamma') return axis.values;
    if (axis.path === 'model') return axis.values.map(gammaOf);
  }
  return [gammaOf(getPath(base, 'model'))];
}

/** The sweep's `center` for trials whose config does not set it. */
export function sweepCenter(base: Json, grid: Grid): boolean {
  return gammas(base, grid).some((g) => g !== 1);
}
