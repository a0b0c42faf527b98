// What a coord-check measurement hands the verdict: per subject, layer, step, width and seed the
// mean |h_l| and the mean update |h_l(t) − h_l(0)| on one fixed batch. The built-in trainer's
// measurement (measure.ts) is one source; the verdict needs nothing else from a trainer.
import type { CoordCheckPlan, CoordCheckSubject } from './plan.js';

/** sizes[layer][step][width][seed] for one measure (steps 0 … plan.steps, the plan's widths). */
export type SizeTable = number[][][][];

export interface SubjectSizes {
  subject: CoordCheckSubject;
  /** weight layers measured; the last is the output */
  depth: number;
  h: SizeTable;
  dh: SizeTable;
}

export interface MeasureProgress {
  /** called after each (subject, width) with how many of all runs are done */
  onProgress?: (done: number, total: number) => void;
}

/** A measurement: trains every subject of the plan at every width and seed. */
export type CoordMeasure = (plan: CoordCheckPlan, progress: MeasureProgress) => Promise<SubjectSizes[]>;
