// circle-power-law (P1, arXiv 2409.17858): θ ~ U[0, 2π), x = (cos θ, sin θ),
// y = Σ_{k≤K} k^(−q) cos(kθ) / σ with σ² = ½ Σ_{k≤K} k^(−2q), the exact variance over uniform θ
// (the cosines are orthogonal with mean square ½), so y has mean 0 and variance 1.
// The test set is the uniform grid θ_i = 2π i / n, on which the Fourier coefficients are exact.
import type { z } from 'zod';
import type { circlePowerLawTask } from '../config/trial.js';
import type { Task, TaskSeeds } from './task.js';
import { allocDataset } from './dataset.js';
import { sampledTask } from './sampled-task.js';

export type CirclePowerLawConfig = Omit<z.output<typeof circlePowerLawTask>, 'seed'>;

/** Target amplitudes a_k = k^(−q)/σ for k = 1..K (index k−1). */
export function circleCoefficients(harmonics: number, q: number): Float64Array {
  const a = new Float64Array(harmonics);
  let power = 0;
  for (let k = 1; k <= harmonics; k++) { a[k - 1] = k ** -q; power += a[k - 1] ** 2; }
  const sigma = Math.sqrt(power / 2);
  return a.map((v) => v / sigma);
}

export function createCirclePowerLawTask(config: CirclePowerLawConfig, seeds: TaskSeeds): Task {
  const coef = circleCoefficients(config.harmonics, config.q);
  const fill = (ds: ReturnType<typeof allocDataset>, i: number, theta: number) => {
    const c = Math.cos(theta), s = Math.sin(theta);
    ds.x[2 * i] = c;
    ds.x[2 * i + 1] = s;
    // cos(kθ) by the Chebyshev recurrence cos((k+1)θ) = 2cosθ·cos(kθ) − cos((k−1)θ); it is
    // stable for |cosθ| ≤ 1 and K ≤ a few thousand (error grows ~ K·ε).
    let prev = 1, cur = c, y = 0;
    for (let k = 1; k <= coef.length; k++) {
      y += coef[k - 1] * cur;
      const next = 2 * c * cur - prev;
      prev = cur;
      cur = next;
    }
    ds.y[i] = y;
  };
  const n = config.testSize;
  const grid = allocDataset(n, 2, 1);
  for (let i = 0; i < n; i++) fill(grid, i, (2 * Math.PI * i) / n);
  const task = sampledTask({
    kind: 'circle-power-law', seeds, inputDim: 2, outputDim: 1,
    trainSize: config.trainSize, testSize: n, test: grid,
    sample(rng, m) {
      const ds = allocDataset(m, 2, 1);
      for (let i = 0; i < m; i++) fill(ds, i, 2 * Math.PI * rng.uniform());
      return ds;
    },
  });
  // ReLU's kernel on the circle has eigenvalues λ_k ~ k^(−2) (capacity 2); the target's
  // power k^(−2q) then gives source β = (2q − 1)/2 (docs/science.md §2).
  task.theory = { capacity: 2, source: (2 * config.q - 1) / 2 };
  return task;
}
