// Markdown tables of an example's summary.json, one renderer per analysis; every number comes
// from the summary.
import { describeGroup } from '../../core/analysis/groups.js';
import type { Ci, SlopeFit, Summary } from '../../core/analysis/summary.js';
import { fmt } from './checks.js';

export function table(head: string[], rows: string[][]): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|');
  return [`| ${head.map(esc).join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

export const interval = (ci: Ci | null) => (ci ? `[${fmt(ci[0])}, ${fmt(ci[1])}]` : 'n/a');
const pct = (v: number | null) => (v === null ? 'n/a' : `${fmt(100 * v, 2)}%`);
const levelOf = (level: number | undefined) => `${Math.round(100 * (level || 0.95))}% interval`;

function lrTransfer(s: Summary): string[] {
  if (!s.lrTransfer.length) return [];
  const widths = [...new Set(s.lrTransfer.flatMap((l) => l.optimalLr.map((o) => o.width)))].sort((a, b) => a - b);
  return [table(['group', `η* at N = ${widths.join(', ')}`, 'slope d log η*/d log N', levelOf(s.lrTransfer[0].bootstrap.level), 'transfer gap', 'verdict'],
    s.lrTransfer.map((l) => [describeGroup(l.group), widths.map((w) => fmt(l.optimalLr.find((o) => o.width === w)?.lr)).join(', '), fmt(l.slope), interval(l.ci),
      l.transferGap === null ? 'n/a' : pct(l.transferGap), `${l.verdict} (${l.verdictReason})`]))];
}

function scalingLaws(s: Summary): string[] {
  if (!s.scalingLaws.length) return [];
  return [table(['group', 'axis', 'exponent', 'interval', 'offset E', 'R² (log)', 'predicted lazy / rich'],
    s.scalingLaws.map((x) => [describeGroup(x.group), x.axis, fmt(x.exponent), interval(x.ci), fmt(x.offset), fmt(x.quality?.r2Log, 4),
      x.prediction ? `${fmt(x.prediction.lazy)} / ${fmt(x.prediction.rich)}` : 'n/a']))];
}

function sharpness(s: Summary): string[] {
  if (!s.sharpness.length) return [];
  return [table(['group', 'mean spread Δ', 'early / late Δ', 'final η·λmax per width', 'widest final η·λmax / 2'],
    s.sharpness.map((x) => [describeGroup(x.group), fmt(x.consistency), `${fmt(x.spreadEarly)} / ${fmt(x.spreadLate)}`,
      x.widths.map((w) => `${w.width}: ${fmt(w.final)}`).join(', '), fmt(x.edgeOfStability.ratio)]))];
}

function phaseDiagram(s: Summary): string[] {
  return s.phaseDiagram.flatMap((p) => {
    const label = describeGroup(p.group);
    const range = (f: SlopeFit) => (f.gammaRange ? `${fmt(f.gammaRange[0])}–${fmt(f.gammaRange[1])}` : 'none');
    const row = (name: string, f: { small: SlopeFit; large: SlopeFit }) => [name,
      `${fmt(f.small.slope)} (γ0 ${range(f.small)}, ${f.small.n} points)`, fmt(f.small.expected),
      `${fmt(f.large.slope)} (γ0 ${range(f.large)}, ${f.large.n} points)`, fmt(f.large.expected)];
    const byRule = Object.entries(p.etaMaxSlopesByRule ?? {}) as [string, { small: SlopeFit; large: SlopeFit }][];
    const slopes = table(['slope of log η on log γ0', 'small γ0', 'expected', 'large γ0', 'expected'], [
      row('η*', p.slopes.etaStar),
      ...(byRule.length ? byRule.map(([r, f]) => row(`η_max (rule \`${r}\`${r === p.stability ? ', chosen' : ''})`, f)) : [row(`η_max (rule \`${p.stability}\`)`, p.slopes.etaMax)]),
      ...(p.sharpnessSlopes ? [row('λmax at initialisation', p.sharpnessSlopes)] : []),
    ]);
    const rules = byRule.length ? byRule.map(([r]) => r) : [p.stability];
    const perGamma = table(['γ0', ...rules.map((r) => `η_max (\`${r}\`; next η0 run)`), 'η*', 'loss at η*'], p.perGamma.map((g) => [fmt(g.gamma),
      ...rules.map((r) => {
        const e = g.etaMaxByRule?.[r as keyof typeof g.etaMaxByRule] ?? (r === p.stability ? { etaMax: g.etaMax, etaMaxBracket: g.etaMaxBracket } : null);
        if (!e) return 'n/a';
        return `${fmt(e.etaMax)} (${e.etaMaxBracket && e.etaMaxBracket[1] !== null ? fmt(e.etaMaxBracket[1]) : 'none'})`;
      }), fmt(g.etaStar), fmt(g.lossStar)]));
    return [`${label}${p.depth ? `, depth L = ${p.depth}` : ''}:`, slopes, perGamma];
  });
}

function forgetting(s: Summary): string[] {
  return s.forgetting.flatMap((f) => [
    `${describeGroup(f.group)}: AF = a·N^(−b) with b = ${fmt(f.exponent)}, ${levelOf(f.bootstrap.level)} ${interval(f.ci)}, R² (log) ${fmt(f.quality?.r2Log)}; each doubling of width removes ${pct(f.perDoubling)} of the forgetting.`,
    table(['width', ...f.points.map((p) => String(p.width))], [
      ['average accuracy AA', ...f.points.map((p) => fmt(p.averageAccuracy))],
      ['average forgetting AF', ...f.points.map((p) => fmt(p.averageForgetting))],
    ]),
  ]);
}

function alignment(s: Summary): string[] {
  return s.alignment.flatMap((a) => {
    const alphas = [...new Set(a.curves.flatMap((c) => c.points.map((p) => p.alpha)))].sort((x, y) => x - y);
    const dirs = Math.max(0, ...a.curves.flatMap((c) => c.points.map((p) => p.updateOverlap.length)));
    const rows: string[][] = [];
    for (let r = 0; r < dirs; r++) {
      for (const c of a.curves) {
        rows.push([`update overlap with w*_${r + 1}, d = ${c.inputDim} (1/√d = ${fmt(c.baseline, 2)})`, ...alphas.map((al) => fmt(c.points.find((p) => p.alpha === al)?.updateOverlap[r], 2))]);
      }
    }
    for (const c of a.curves) rows.push([`max over neurons of |cos| with w*_1, d = ${c.inputDim}`, ...alphas.map((al) => fmt(c.points.find((p) => p.alpha === al)?.maxOverlap[0], 2))]);
    return [table(['α = n/d', ...alphas.map((x) => fmt(x))], rows),
      `Collapse spread across d (mean relative difference at equal α): ${fmt(a.collapseSpreadUpdate, 2)} for the update's overlap with w*_1, ${fmt(a.collapseSpread, 2)} for the neurons' maximum.`];
  });
}

/** Every table of the summary, in a fixed order. */
export function summaryTables(s: Summary): string[] {
  return [...lrTransfer(s), ...sharpness(s), ...scalingLaws(s), ...phaseDiagram(s), ...forgetting(s), ...alignment(s)];
}
