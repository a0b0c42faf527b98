// Which steps get an evaluation point: step 0, log-spaced points over [1, steps], every
// `evalEvery` steps, the last step, and whatever else a measurement needs (sharpness every k
// steps, the coord-check steps, continual task boundaries).
import type { TrialConfig } from '../config/trial.js';

/** `count` integer steps spaced evenly in log over [1, steps] (fewer when they coincide). */
export function logSpacedSteps(steps: number, count: number): number[] {
  if (steps < 1 || count < 1) return [];
  if (count === 1) return [steps];
  const out = new Set<number>();
  for (let i = 0; i < count; i++) out.add(Math.round(Math.exp((Math.log(steps) * i) / (count - 1))));
  return [...out].sort((a, b) => a - b);
}

export interface EvalPlan {
  /** every evaluation step, ascending */
  steps: number[];
  /** steps at which sharpness is measured */
  sharpness: Set<number>;
  /** steps at which the coord check is recorded */
  coord: Set<number>;
}

export function evaluationPlan(config: TrialConfig, totalSteps: number, extra: number[] = []): EvalPlan {
  const { evalEvery, logEvalPoints } = config.train;
  const all = new Set<number>([0, totalSteps, ...logSpacedSteps(totalSteps, logEvalPoints), ...extra]);
  if (evalEvery > 0) for (let s = evalEvery; s < totalSteps; s += evalEvery) all.add(s);
  const sharpness = new Set<number>();
  const sh = config.measure.sharpness;
  if (sh) {
    sharpness.add(0).add(totalSteps);
    for (let s = sh.every; s < totalSteps; s += sh.every) sharpness.add(s);
  }
  const coord = new Set<number>();
  const cc = config.measure.coordCheck;
  if (cc) for (let s = 0; s <= Math.min(cc.steps, totalSteps); s++) coord.add(s);
  for (const s of [...sharpness, ...coord]) all.add(s);
  return { steps: [...all].filter((s) => s >= 0 && s <= totalSteps).sort((a, b) => a - b), sharpness, coord };
}
