// The report's coord-check plot, as in microsoft/mup: per parametrization one panel per step,
// size against width (log-log), one line per layer; the updates |h_t − h_0| beside the
// activations |h|. A flat line is a width-independent layer.
import type { CoordCheckEntry } from '../preflight/verdict.js';
import type { ChartSpec } from './render-chart.js';

const W = 210, H = 160;
const log = (title: string) => ({ type: 'quantitative', scale: { type: 'log', nice: false }, title, axis: { format: '~g' } });

function panel(title: string, entries: CoordCheckEntry[], depth: number): ChartSpec | null {
  const values = entries.flatMap((e) => e.widths.flatMap((w, i) => {
    const v = e.sizes[i];
    const layer = e.layer === depth - 1 ? `${e.layer} (output)` : String(e.layer);
    return v > 0 && Number.isFinite(v) ? [{ width: w, size: v, layer }] : [];
  }));
  if (!values.length) return null;
  const bad = entries.filter((e) => !e.ok).map((e) => e.layer);
  return {
    title: { text: title, subtitle: bad.length ? `failed: layer ${bad.join(', ')}` : 'ok' },
    width: W, height: H,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'width', ...log('width') },
      y: { field: 'size', ...log('mean size') },
      color: { field: 'layer', type: 'ordinal', title: 'layer', scale: { scheme: 'viridis' } },
    },
  };
}

/** Panels of one parametrization: for each step, |h| then (from step 1) the update. */
export function coordCheckPanels(parametrization: string, entries: CoordCheckEntry[]): ChartSpec[] {
  const mine = entries.filter((e) => e.parametrization === parametrization);
  const depth = Math.max(...mine.map((e) => e.layer)) + 1;
  const steps = [...new Set(mine.map((e) => e.step))].sort((a, b) => a - b);
  const out: ChartSpec[] = [];
  for (const t of steps) {
    for (const m of ['h', 'dh'] as const) {
      const at = mine.filter((e) => e.step === t && e.measure === m);
      if (!at.length) continue;
      const p = panel(`${parametrization}, step ${t}: ${m === 'h' ? '|h|' : '|h_t − h_0|'}`, at, depth);
      if (p) out.push(p);
    }
  }
  return out;
}
