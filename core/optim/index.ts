// The optimizer of a trial config, with the parametrization's per-parameter learning rates.
import type { OptimizerConfig } from '../config/trial.js';
import { Adam } from './adam.js';
import type { Optimizer } from './optimizer.js';
import { Sgd } from './sgd.js';

export type { Optimizer, Preconditioner } from './optimizer.js';

/** `lrFactors[i]` multiplies η0 (= config.lr) for parameter tensor i. */
export function createOptimizer(config: OptimizerConfig, lrFactors: number[]): Optimizer {
  const lrs = lrFactors.map((f) => f * config.lr);
  if (config.kind === 'sgd') return new Sgd(lrs, config.momentum, config.weightDecay);
  return new Adam(lrs, { beta1: config.beta1, beta2: config.beta2, eps: config.eps, weightDecay: config.weightDecay });
}
