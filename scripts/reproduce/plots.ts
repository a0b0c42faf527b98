// The plots an example's expectations ask for, drawn with the report's own chart functions
// (core/report/charts.ts) from the summary and written as SVG under docs/results/.
import * as charts from '../../core/report/charts.js';
import type { ChartSpec } from '../../core/report/render-chart.js';
import type { Summary } from '../../core/analysis/summary.js';
import { matching } from './checks.js';
import type { Plot } from './expectations.js';

/** The chart spec of one plot, or why it cannot be drawn from this summary. */
export function plotSpec(summary: Summary, plot: Plot): ChartSpec | string {
  const one = <T extends { group: Record<string, unknown> }>(entries: readonly T[], what: string): T | string => {
    const m = matching(entries, plot.group);
    return m.length === 1 ? m[0] : `${plot.file}: ${m.length} ${what} entries match the group`;
  };
  const pick = <T extends { group: Record<string, unknown> }>(entries: readonly T[], what: string, draw: (e: T) => ChartSpec): ChartSpec | string => {
    const e = one(entries, what);
    return typeof e === 'string' ? e : draw(e);
  };
  switch (plot.chart) {
    case 'etaStarVsWidth': return summary.lrTransfer.length ? charts.etaStarVsWidth(summary.lrTransfer) : `${plot.file}: no lrTransfer entries`;
    case 'lossVsLr': return pick(summary.lrTransfer, 'lrTransfer', charts.lossVsLr);
    case 'sharpnessTrajectories': return pick(summary.sharpness, 'sharpness', charts.sharpnessTrajectories);
    case 'scalingLaw': return pick(summary.scalingLaws.filter((s) => s.axis === plot.axis), 'scalingLaws', charts.scalingLaw);
    case 'phaseHeatmap': return pick(summary.phaseDiagram, 'phaseDiagram', charts.phaseHeatmap);
    case 'forgettingVsWidth': return pick(summary.forgetting, 'forgetting', charts.forgettingVsWidth);
    case 'overlapVsAlpha': return pick(summary.alignment, 'alignment', charts.overlapVsAlpha);
  }
}
