// The axes an `analysis` section names must exist in the sweep: otherwise the whole sweep would
// run and the analysis would only be skipped at the end with a note.
import type { AnalysisConfig } from '../analysis/schema.js';
import type { Grid } from '../grid/grid.js';
import { pathProblem, type Json } from '../grid/paths.js';
import { displayPath } from './errors.js';
import { trialConfigSchema } from './trial.js';

/** The width axis `compute` (= width × step) of a scaling law is read from. */
const WIDTH = 'model.width';

/** "analysis.x.y: problem" for every analysis axis that is not in `grid`. */
export function analysisAxisProblems(analysis: AnalysisConfig, grid: Grid, base: Json, context: { search: string; raw: unknown; command?: boolean }): string[] {
  const axes = grid.axes.map((a) => a.path);
  const existing = axes.length ? `the axes are ${axes.join(', ')}` : 'the sweep has no grid axes';
  const problems: string[] = [];
  const need = (where: string, path: string, why = '') => {
    if (!axes.includes(path)) problems.push(`analysis.${where}: ${displayPath(path)} is not a grid axis${why} (${existing})`);
  };
  const a = analysis;
  if (a.lrTransfer) {
    need('lrTransfer.over', a.lrTransfer.over);
    need('lrTransfer.lr', a.lrTransfer.lr);
  }
  a.scalingLaws?.forEach((law, i) => {
    if (law.axis === 'step') return;
    if (law.axis === 'compute') need(`scalingLaws[${i}].axis`, WIDTH, ': compute = width × step needs it');
    else need(`scalingLaws[${i}].axis`, law.axis);
  });
  if (a.sharpness) need('sharpness.over', a.sharpness.over);
  if (a.phaseDiagram) {
    // an lr-descent search reads its stability rule from this section: without a γ0 axis the
    // section may be there for that alone, as long as it does not name a γ0 axis itself
    const raw = context.raw as { phaseDiagram?: Record<string, unknown> } | undefined;
    const forSearchOnly = context.search === 'lr-descent' && raw?.phaseDiagram?.gamma === undefined;
    if (!forSearchOnly) need('phaseDiagram.gamma', a.phaseDiagram.gamma);
    need('phaseDiagram.lr', a.phaseDiagram.lr);
  }
  if (a.forgetting) need('forgetting.over', a.forgetting.over);
  if (a.alignment && context.command) {
    problems.push('analysis.alignment: reads the built-in trainer\'s giant-step result, which a command trainer does not report');
  } else if (a.alignment) {
    // alignment reads a fixed value from the trial's own giant-step result when the path is not an axis
    for (const key of ['over', 'inputDim'] as const) {
      const path = a.alignment[key];
      if (axes.includes(path)) continue;
      const why = pathProblem(trialConfigSchema, path, base);
      if (why) problems.push(`analysis.alignment.${key}: ${displayPath(path)} is neither a grid axis (${existing}) nor a trial config key`);
    }
  }
  return problems;
}
