// What each shipped example is expected to show, declared beside it in
// examples/<name>.expect.yaml and read by the results-page generator. A check picks one number
// (or verdict) out of the example's summary.json and states the rule it must meet; the rule is
// applied in code (checks.ts), so the page's verdicts are never typed by hand.
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';
import { ConfigError, formatIssues } from '../../core/config/errors.js';

/** The summary quantities a check can read, by analysis (see checks.ts for each one's source). */
export const QUANTITIES = {
  lrTransfer: ['verdict', 'slope'],
  scalingLaws: ['exponent'],
  phaseDiagram: ['etaStarSlopeSmall', 'etaStarSlopeLarge', 'etaMaxSlopeSmall', 'etaMaxSlopeLarge', 'etaMaxBoundSlopeSmall', 'etaMaxBoundSlopeLarge', 'etaMaxFiniteSlopeSmall', 'etaMaxFiniteSlopeLarge', 'sharpnessSlopeSmall', 'sharpnessSlopeLarge'],
  sharpness: ['consistency', 'spreadLate', 'widestFinal'],
  forgetting: ['exponent', 'perDoubling'],
  alignment: ['collapseSpreadUpdate', 'collapseSpread', 'updateOverlapAtLargestAlpha'],
} as const;
export type AnalysisName = keyof typeof QUANTITIES;

/** Where an expected value comes from when it is not a number: the summary's own prediction. */
export const PREDICTIONS = ['lazy', 'rich', 'summary'] as const;

const expected = z.union([z.number(), z.enum(PREDICTIONS)]);

/**
 * near: the expected value lies inside the measured interval, or within relTol·|expected|
 * (or absTol) of the measured value. atMost / atLeast: a bound on the measured value.
 * equals: the summary's verdict word.
 */
export const ruleSchema = z.union([
  z.strictObject({ near: expected, relTol: z.number().min(0), absTol: z.number().min(0).optional() }),
  z.strictObject({ atMost: z.number() }),
  z.strictObject({ atLeast: z.number() }),
  z.strictObject({ equals: z.string().min(1) }),
]);
export type Rule = z.infer<typeof ruleSchema>;

const checkSchema = z.strictObject({
  /** what the check says in words, shown as the row's label */
  name: z.string().min(1),
  analysis: z.enum(Object.keys(QUANTITIES) as [AnalysisName, ...AnalysisName[]]),
  quantity: z.string().min(1),
  /** selects the summary entry: every key must equal the entry's group label value */
  group: z.record(z.string(), z.unknown()).default({}),
  /** scaling laws: which fitted axis (step, compute, model.width) */
  axis: z.string().optional(),
  /** alignment: which input dimension d and teacher direction (1-based) */
  inputDim: z.number().int().positive().optional(),
  direction: z.number().int().positive().optional(),
  expect: ruleSchema,
}).superRefine((c, ctx) => {
  const allowed = QUANTITIES[c.analysis] as readonly string[];
  if (!allowed.includes(c.quantity)) ctx.addIssue({ code: 'custom', path: ['quantity'], message: `must be one of ${allowed.join(', ')} for ${c.analysis}` });
  if (c.analysis === 'scalingLaws' && !c.axis) ctx.addIssue({ code: 'custom', path: ['axis'], message: 'is required for scalingLaws' });
  if (c.quantity === 'updateOverlapAtLargestAlpha' && (c.inputDim === undefined || c.direction === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['inputDim'], message: 'updateOverlapAtLargestAlpha needs inputDim and direction' });
  }
  if ('equals' in c.expect && c.quantity !== 'verdict') ctx.addIssue({ code: 'custom', path: ['expect'], message: 'equals applies to the verdict only' });
});
export type Check = z.infer<typeof checkSchema>;

/** A chart of the run's report to copy onto the page (core/report/charts.ts). */
const plotSchema = z.strictObject({
  chart: z.enum(['etaStarVsWidth', 'lossVsLr', 'sharpnessTrajectories', 'scalingLaw', 'phaseHeatmap', 'forgettingVsWidth', 'overlapVsAlpha']),
  group: z.record(z.string(), z.unknown()).default({}),
  axis: z.string().optional(),
  /** file name under docs/results/, without .svg */
  file: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and -'),
  caption: z.string().min(1),
});
export type Plot = z.infer<typeof plotSchema>;

export const expectationSchema = z.strictObject({
  /** section heading */
  title: z.string().min(1),
  /** the paper(s) the example reproduces, cited by arXiv id */
  paper: z.string().min(1),
  question: z.string().min(1),
  checks: z.array(checkSchema).min(1),
  plots: z.array(plotSchema).default([]),
  /** how to read the measured outcome, in words: it may not carry numbers (the page's numbers all
   *  come from the run), except paper tags such as P4 and the symbols γ0 and η0 */
  reading: z.string().min(1).refine((t) => !/\d/.test(t.replace(/\bP\d\b|γ0|η0/g, '')), 'must not contain numbers (they come from the run); paper tags such as P4 and the symbols γ0, η0 are allowed').optional(),
});
export type Expectation = z.infer<typeof expectationSchema>;

export function parseExpectation(text: string, source: string): Expectation {
  let raw: unknown;
  try {
    raw = YAML.parse(text);
  } catch (e) {
    throw new ConfigError([`not valid YAML: ${e instanceof Error ? e.message : String(e)}`], source);
  }
  const r = expectationSchema.safeParse(raw);
  if (!r.success) throw new ConfigError(formatIssues(r.error.issues), source);
  return r.data;
}

export function loadExpectation(file: string): Expectation {
  return parseExpectation(readFileSync(file, 'utf8'), file);
}
