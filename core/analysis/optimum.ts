// The best learning rate between grid points: a parabola in log η through the best grid point
// and its two neighbours (docs/science.md §4), fitted to log loss so losses spanning decades weigh
// evenly. Non-finite losses (diverged) are unusable points.

export interface Optimum {
  /** refined best learning rate */
  lr: number;
  /** loss at the refined lr (the parabola's vertex value; the grid value when not refined) */
  loss: number;
  /** index of the best grid point */
  index: number;
  /** grid neighbours bracketing the optimum (equal to lr at an edge) */
  bracket: [number, number];
  /** how lr was found */
  method: 'quadratic' | 'grid-edge' | 'grid';
}

/**
 * lrs ascending and distinct; losses aligned with them (NaN/Infinity = unusable). Returns null
 * when no loss is finite.
 */
export function refineOptimum(lrs: readonly number[], losses: readonly number[]): Optimum | null {
  let best = -1;
  for (let i = 0; i < lrs.length; i++) {
    if (Number.isFinite(losses[i]) && losses[i] > 0 && (best < 0 || losses[i] < losses[best])) best = i;
  }
  if (best < 0) return null;
  const usable = (i: number) => i >= 0 && i < lrs.length && Number.isFinite(losses[i]) && losses[i] > 0;
  const lrBest = lrs[best];
  const loBr = best > 0 ? lrs[best - 1] : lrBest;
  const hiBr = best < lrs.length - 1 ? lrs[best + 1] : lrBest;
  if (!usable(best - 1) || !usable(best + 1)) {
    // At the edge of the grid or next to a diverged point: the optimum is not bracketed on that
    // side, so do not extrapolate.
    const edge = best === 0 || best === lrs.length - 1;
    return { lr: lrBest, loss: losses[best], index: best, bracket: [loBr, hiBr], method: edge ? 'grid-edge' : 'grid' };
  }
  const x0 = Math.log(lrs[best - 1]), x1 = Math.log(lrBest), x2 = Math.log(lrs[best + 1]);
  const y0 = Math.log(losses[best - 1]), y1 = Math.log(losses[best]), y2 = Math.log(losses[best + 1]);
  // Parabola through three points (Newton's divided differences): y = y1 + b(x−x1) + c(x−x1)(x−x0)
  const d01 = (y1 - y0) / (x1 - x0);
  const d12 = (y2 - y1) / (x2 - x1);
  const c = (d12 - d01) / (x2 - x0);
  if (!(c > 0)) {
    return { lr: lrBest, loss: losses[best], index: best, bracket: [loBr, hiBr], method: 'grid' };
  }
  // y = y0 + d01 (x − x0) + c (x − x0)(x − x1); vertex where dy/dx = 0
  let xv = (x0 + x1) / 2 - d01 / (2 * c);
  xv = Math.min(Math.max(xv, x0), x2);
  const yv = y0 + d01 * (xv - x0) + c * (xv - x0) * (xv - x1);
  return { lr: Math.exp(xv), loss: Math.exp(Math.min(yv, y1)), index: best, bracket: [loBr, hiBr], method: 'quadratic' };
}
