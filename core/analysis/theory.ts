// Exponents P1 (arXiv 2409.17858) predicts when the task defines its source and capacity:
// circle-power-law with ReLU has capacity α = 2 and source β = (2q − 1)/2 (SCIENCE.md §2).
import type { TrialConfig } from '../config/trial.js';

export interface TaskTheory {
  beta: number;
  capacity: number;
  source: string;
}

export function taskTheory(config: TrialConfig | undefined): TaskTheory | null {
  if (!config || config.task.kind !== 'circle-power-law') return null;
  if (config.model.activation !== 'relu') return null;
  return { beta: (2 * config.task.q - 1) / 2, capacity: 2, source: 'P1 (arXiv 2409.17858): circle-power-law with ReLU, β = (2q − 1)/2, α = 2' };
}

/** Time exponent χ of L ~ t^(−χ): β lazy; 2β/(1+β) rich for hard tasks (β < 1), unchanged otherwise. */
export function timeExponents(beta: number): { lazy: number; rich: number } {
  return { lazy: beta, rich: beta < 1 ? (2 * beta) / (1 + beta) : beta };
}

/** Compute-optimal exponent of L* ~ C^(−αβχ/(αβ+χ)). */
export function computeOptimalExponent(capacity: number, beta: number, chi: number): number {
  return (capacity * beta * chi) / (capacity * beta + chi);
}
