// The phase diagram's two slope regimes: γ0 ≤ smallMax and γ0 ≥ largeMin, on exact power laws
// with a bend at the crossover, so the fitted slopes are known in closed form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSweep } from '../../core/analysis/analyze.js';
import { trialConfigSchema } from '../../core/config/trial.js';
import type { TrialRecord } from '../../core/outcome.js';

const gammas = [0.01, 0.1, 0.3, 1, 3, 10, 100];
const lrs = Array.from({ length: 61 }, (_, i) => Math.pow(10, -8 + i * 0.25));
/** η* = γ0² below 0.3, γ0^(2/3) above 3, and a kink of its own in between. */
const etaStar = (g: number) => (g <= 0.3 ? g * g : g >= 3 ? 0.3 * Math.pow(g / 3, 2 / 3) : 0.3);

let n = 0;
function trial(gamma: number, lr: number): TrialRecord {
  const id = `t${n++}`;
  const config = trialConfigSchema.parse({ task: { kind: 'teacher-mlp' }, model: { depth: 3, gamma, center: true }, optimizer: { kind: 'sgd', lr } });
  const common = { id, trialId: id, sweepId: 's', config, axes: { 'model.gamma': gamma, 'optimizer.lr': lr }, backend: 'cpu', lrConvention: 'plain', durationMs: 1, finishedAt: '' };
  // a loss whose minimum over log lr sits exactly at η*, quadratic in log lr (the refinement is exact)
  const trainLoss = 0.1 * Math.exp(Math.pow(Math.log(lr / etaStar(gamma)), 2) / 4);
  if (lr > 100 * etaStar(gamma)) return { ...common, outcome: 'diverged', divergence: 'nonfinite', step: 3, final: { step: 3 } };
  return { ...common, outcome: 'succeeded', step: 100, final: { step: 100, trainLoss } };
}
const trials = gammas.flatMap((g) => lrs.map((lr) => trial(g, lr)));

test('phase diagram regimes: the default fits share γ0 = 1; smallMax/largeMin keep the crossover out', async () => {
  const near = (a: number | null, b: number, tol: number, what: string) => assert.ok(a !== null && Math.abs(a - b) < tol, `${what}: ${a} vs ${b}`);
  const wide = (await analyzeSweep(trials, [], { phaseDiagram: {} })).phaseDiagram[0];
  assert.deepEqual(wide.slopes.etaStar.small.gammaRange, [0.01, 1]);
  assert.deepEqual(wide.slopes.etaStar.large.gammaRange, [1, 100]);
  assert.ok(wide.slopes.etaStar.small.slope! < 1.9, 'the flat crossover pulls the small-γ0 slope below 2');

  const narrow = (await analyzeSweep(trials, [], { phaseDiagram: { smallMax: 0.3, largeMin: 3 } })).phaseDiagram[0];
  assert.deepEqual(narrow.slopes.etaStar.small.gammaRange, [0.01, 0.3]);
  assert.equal(narrow.slopes.etaStar.small.n, 3);
  assert.deepEqual(narrow.slopes.etaStar.large.gammaRange, [3, 100]);
  near(narrow.slopes.etaStar.small.slope, 2, 1e-6, 'η* slope γ0 ≤ 0.3');
  near(narrow.slopes.etaStar.large.slope, 2 / 3, 1e-6, 'η* slope γ0 ≥ 3');
  assert.equal(narrow.slopes.etaStar.large.expected, 2 / 3);
});
