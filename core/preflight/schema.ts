// The spec's `preflight` section: checks run before any trial of the grid. Today one check, the
// coord check (docs/science.md §1, "Coord check"): a few steps per width on one fixed batch,
// judged against the width scaling each parametrization predicts.
import { z } from 'zod';

const posInt = z.number().int().min(1);

export const coordCheckPreflightSchema = z.strictObject({
  /** widths to train; default: the sweep's model.width axis (64 … 1024 without one) */
  widths: z.array(posInt).min(2).optional(),
  /** optimizer steps on the fixed batch */
  steps: posInt.default(3),
  /** seeds per width (the slope intervals are over seeds) */
  seeds: posInt.default(2),
  /** largest allowed |measured − expected| slope of log size on log width */
  tolerance: z.number().positive().default(0.2),
  /** learning rate η0 of the check; default: the spec's optimizer.lr */
  lr: z.number().positive().optional(),
});

export const preflightSchema = z.strictObject({
  coordCheck: coordCheckPreflightSchema.optional(),
});

export type CoordCheckPreflight = z.infer<typeof coordCheckPreflightSchema>;
export type PreflightConfig = z.infer<typeof preflightSchema>;
