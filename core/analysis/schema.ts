// The `analysis` section of a sweep spec: which summaries to fit from the finished trials.
// Each analysis runs only when the sweep has the axes it needs; groups are all other axes.
import { z } from 'zod';
import { STABILITY_RULES } from '../stability.js';

const axisPath = z.string().min(1);
/** bootstrap replicates: beyond this the intervals do not narrow, the analysis only takes longer */
const MAX_BOOTSTRAP = 100_000;
const metricName = z.enum(['trainLoss', 'testLoss', 'accuracy']);

export const lrTransferSchema = z.strictObject({
  /** the width-like axis η* is tracked over */
  over: axisPath.default('model.width'),
  /** the learning-rate axis */
  lr: axisPath.default('optimizer.lr'),
  metric: metricName.default('trainLoss'),
  /** |slope| of log η* vs log width below this counts as "transfers" */
  slopeTolerance: z.number().positive().default(0.2),
  bootstrap: z.number().int().min(10).max(MAX_BOOTSTRAP).default(1000),
});

export const scalingLawSchema = z.strictObject({
  /** model.width, step, or compute (= width × step) */
  axis: axisPath,
  metric: metricName.default('testLoss'),
  /** for axis "step": fit only steps in this fraction of the run's end (late window) */
  window: z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]).default([0.2, 1]),
  bootstrap: z.number().int().min(10).max(MAX_BOOTSTRAP).default(500),
});

export const sharpnessAnalysisSchema = z.strictObject({
  over: axisPath.default('model.width'),
});

export const phaseDiagramSchema = z.strictObject({
  gamma: axisPath.default('model.gamma'),
  lr: axisPath.default('optimizer.lr'),
  metric: metricName.default('trainLoss'),
  /**
   * which rule defines η_max (core/stability.ts): bound = no loss above divergenceFactor × the
   * initial loss; finite = no non-finite loss over the run (P3), for trials run with
   * train.divergenceFactor: 0. The lr-descent search uses the same rule.
   */
  stability: z.enum(STABILITY_RULES).default('bound'),
  /** γ0 range of the small- and large-γ0 slope fits: γ0 ≤ smallMax and γ0 ≥ largeMin */
  smallMax: z.number().positive().default(1),
  largeMin: z.number().positive().default(1),
});

export const forgettingSchema = z.strictObject({
  over: axisPath.default('model.width'),
  bootstrap: z.number().int().min(10).max(MAX_BOOTSTRAP).default(500),
});

export const alignmentSchema = z.strictObject({
  over: axisPath.default('giantStep.alpha'),
  /** one overlap curve per value of this axis (the input dimension d) */
  inputDim: axisPath.default('task.inputDim'),
});

export const analysisSchema = z.strictObject({
  lrTransfer: lrTransferSchema.optional(),
  // each law is a bootstrap fit per group: a handful is what a report can show
  scalingLaws: z.array(scalingLawSchema).max(32).optional(),
  sharpness: sharpnessAnalysisSchema.optional(),
  phaseDiagram: phaseDiagramSchema.optional(),
  forgetting: forgettingSchema.optional(),
  alignment: alignmentSchema.optional(),
});

export type AnalysisConfig = z.output<typeof analysisSchema>;
export type AnalysisConfigInput = z.input<typeof analysisSchema>;
