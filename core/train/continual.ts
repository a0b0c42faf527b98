// Continual-learning summary (docs/science.md §3, P4): a[t][i] = score on task i after training task t.
import type { ContinualResult } from '../messages.js';

/**
 * Classification (score = accuracy): AA = mean_i a[T−1][i]; AF = mean over i < T−1 of
 * max_{i ≤ t < T−1} a[t][i] − a[T−1][i] (forgetting as in Chaudhry et al. 2018, arXiv 1801.10112:
 * the last task cannot have been forgotten, and a task's score before it was trained is not a peak).
 * Regression (score = test loss, lower is better): AA is the mean final loss and AF the mean rise
 * of each task's loss above its best, so forgetting is positive in both cases.
 */
export function continualSummary(matrix: number[][], accuracy: boolean): ContinualResult {
  const T = matrix.length;
  const last = matrix[T - 1] ?? [];
  const averageAccuracy = last.length ? last.reduce((a, b) => a + b, 0) / last.length : NaN;
  let forgetting = 0;
  for (let i = 0; i < T - 1; i++) {
    let best = matrix[i][i];
    for (let t = i + 1; t < T - 1; t++) best = accuracy ? Math.max(best, matrix[t][i]) : Math.min(best, matrix[t][i]);
    forgetting += accuracy ? best - last[i] : last[i] - best;
  }
  return { matrix, averageAccuracy, averageForgetting: T > 1 ? forgetting / (T - 1) : 0 };
}
