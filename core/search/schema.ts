// The `search` section of a sweep spec: how the trials to run are chosen from the grid.
import { z } from 'zod';

export const gridSearchSchema = z.strictObject({ kind: z.literal('grid') });

export const randomSearchSchema = z.strictObject({
  kind: z.literal('random'),
  /** number of grid points drawn without replacement */
  samples: z.number().int().min(1),
  seed: z.number().int().min(0).default(0),
});

/** Start at the largest lr of each group and step down until stable, then `decades` further. */
export const lrDescentSchema = z.strictObject({
  kind: z.literal('lr-descent'),
  lr: z.string().default('optimizer.lr'),
  decades: z.number().positive().default(3),
});

/** Add learning rates around each group's η* until its interval is narrower than `width` (in log10). */
export const lrRefineSchema = z.strictObject({
  kind: z.literal('lr-refine'),
  lr: z.string().default('optimizer.lr'),
  width: z.number().positive().default(0.1),
  maxRounds: z.number().int().min(1).max(100).default(4),
  /** at most 100: each round plans this many trials per group at once */
  perRound: z.number().int().min(1).max(100).default(2),
  /** the final metric whose minimum defines η* */
  metric: z.enum(['trainLoss', 'testLoss']).default('trainLoss'),
});

export const searchSchema = z.discriminatedUnion('kind', [
  gridSearchSchema, randomSearchSchema, lrDescentSchema, lrRefineSchema,
]);

export type SearchConfig = z.output<typeof searchSchema>;
