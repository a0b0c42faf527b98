// Exponents P1 (arXiv 2409.17858) predicts when the task defines its source and capacity:
// circle-power-law with ReLU has capacity α = 2 and source β = (2q − 1)/2 (docs/science.md §2).
// The prediction assumes the network can represent the whole target. Without biases a two-layer
// ReLU network on the circle cannot: ReLU(w·x) = (|w·x| + w·x)/2 is an even function plus a
// linear one, so only harmonics 0, 1 and even k are reachable, and the odd harmonics k ≥ 3 of the
// target set a test-loss floor no exponent describes. The prediction is attached only with biases.
import type { TrialConfig } from '../config/trial.js';
import { isCommandTrial, type AnyTrialConfig } from '../config/command-trial.js';
import { circleCoefficients } from '../tasks/circle-power-law.js';

export interface TaskTheory {
  beta: number;
  capacity: number;
  source: string;
}

/** Why a task with a prediction gets none for this model; null when the prediction applies. */
export interface TheoryWithheld {
  reason: string;
}

/** Share of the circle target's variance in odd harmonics k ≥ 3: each harmonic carries a_k²/2. */
export function oddHarmonicFraction(harmonics: number, q: number): number {
  const a = circleCoefficients(harmonics, q);
  let odd = 0;
  for (let k = 3; k <= harmonics; k += 2) odd += a[k - 1] ** 2 / 2;
  return odd;
}

function applies(config: AnyTrialConfig | undefined): config is TrialConfig & { task: { kind: 'circle-power-law' } } {
  return !!config && !isCommandTrial(config) && config.task.kind === 'circle-power-law' && config.model.activation === 'relu';
}

export function taskTheory(config: AnyTrialConfig | undefined): TaskTheory | null {
  if (!applies(config) || !config.model.bias) return null;
  return { beta: (2 * config.task.q - 1) / 2, capacity: 2, source: 'P1 (arXiv 2409.17858): circle-power-law with ReLU, β = (2q − 1)/2, α = 2' };
}

/** The reason P1's prediction is withheld from a circle-power-law ReLU trial; null otherwise. */
export function theoryWithheld(config: AnyTrialConfig | undefined): TheoryWithheld | null {
  if (!applies(config) || config.model.bias) return null;
  const { harmonics, q } = config.task;
  const odd = oddHarmonicFraction(harmonics, q);
  return {
    reason: `no P1 prediction attached: the model has no biases, and a bias-free ReLU network represents only harmonics 0, 1 and even k of the circle; `
      + `the odd harmonics k ≥ 3 carry ${(100 * odd).toPrecision(3)}% of the target variance (q = ${q}, K = ${harmonics}; a test-loss floor of ${(odd / 2).toPrecision(3)} in ½·MSE for two layers). Set model.bias: true to compare with P1`,
  };
}

/** Time exponent χ of L ~ t^(−χ): β lazy; 2β/(1+β) rich for hard tasks (β < 1), unchanged otherwise. */
export function timeExponents(beta: number): { lazy: number; rich: number } {
  return { lazy: beta, rich: beta < 1 ? (2 * beta) / (1 + beta) : beta };
}

/** Compute-optimal exponent of L* ~ C^(−αβχ/(αβ+χ)). */
export function computeOptimalExponent(capacity: number, beta: number, chi: number): number {
  return (capacity * beta * chi) / (capacity * beta + chi);
}
