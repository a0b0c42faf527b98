// report.html: one self-contained page (inline CSS and SVG, nothing fetched at view time) with
// the sweep's numbers and plots.
import type { TrialRecord } from '../outcome.js';
import { describeGroup, groupTrials, numericAxis } from '../analysis/groups.js';
import { latestTrials } from '../analysis/analyze.js';
import type { SeriesMap } from '../analysis/series.js';
import type { Summary } from '../analysis/summary.js';
import * as charts from './charts.js';
import { renderSvg, type ChartSpec } from './render-chart.js';
import { errorMessage } from '../error-message.js';
import { coordCheckPanels } from './coord-check-charts.js';
import { builtinConfig } from '../config/command-trial.js';

/** At most this many charts per kind (a sweep can have hundreds of groups). */
const MAX_PER_KIND = 8;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const fmt = (v: number | null | undefined, d = 3) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : Number(v.toPrecision(d)).toString());
const ci = (c: [number, number] | null) => (c ? `[${fmt(c[0])}, ${fmt(c[1])}]` : '—');

function table(head: string[], rows: (string | number)[][]): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const tr = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(String(c))}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>${tr}</tbody></table>`;
}

const CSS = `
body{font-family:Helvetica,Arial,sans-serif;margin:24px auto;max-width:1100px;color:#222;line-height:1.4}
h1{font-size:22px;margin-bottom:4px}h2{font-size:18px;border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:32px}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}th,td{border:1px solid #ddd;padding:4px 8px;text-align:left}
th{background:#f4f4f4}.charts{display:flex;flex-wrap:wrap;gap:16px}.chart{border:1px solid #eee;padding:6px;background:#fff}
.muted{color:#666;font-size:13px}.description{font-size:15px;margin:4px 0 8px}.verdict-transfers{color:#1e7b34;font-weight:bold}.verdict-does-not-transfer{color:#b03a2e;font-weight:bold}
ul.notes li{font-size:13px}code{background:#f4f4f4;padding:1px 4px}
`;

export interface ReportOptions {
  /** the spec's free-text `description`, shown under the title */
  description?: string;
}

/** η* slope a group's parametrization predicts across width: 0 under µP (arXiv 2203.03466), none otherwise. */
function predictedTransferSlope(l: Summary['lrTransfer'][number], inGroup: TrialRecord[]): number | null {
  if (l.over !== 'model.width' || !inGroup.length) return null;
  return inGroup.every((t) => {
    const model = builtinConfig(t.config)?.model;
    return model?.parametrization === 'mup' && model.depth > 1;
  }) ? 0 : null;
}

export async function renderReport(summary: Summary, trialsIn: TrialRecord[], series: SeriesMap, options: ReportOptions = {}): Promise<string> {
  const trials = latestTrials(trialsIn);
  const problems: string[] = [];
  const render = async (specs: (ChartSpec | null)[]): Promise<string> => {
    const out: string[] = [];
    for (const spec of specs) {
      if (!spec) continue;
      try {
        out.push(`<div class="chart">${await renderSvg(spec)}</div>`);
      } catch (e) {
        problems.push(`a chart could not be drawn: ${errorMessage(e)}`);
      }
    }
    return out.length ? `<div class="charts">${out.join('\n')}</div>` : '';
  };
  const capped = <T>(xs: T[], what: string): T[] => {
    if (xs.length > MAX_PER_KIND) problems.push(`${what}: showing ${MAX_PER_KIND} of ${xs.length} groups (all are in summary.json)`);
    return xs.slice(0, MAX_PER_KIND);
  };
  const s = summary;
  const parts: string[] = [];
  const t = s.trials;
  parts.push(`<h1>Sweep ${escapeHtml(s.sweepId ?? '(unnamed)')}</h1>`);
  if (options.description) parts.push(`<p class="description">${escapeHtml(options.description)}</p>`);
  parts.push(`<p class="muted">${t.total} trials: ${t.succeeded} succeeded, ${t.diverged} diverged, ${t.failed} failed, ${t.cancelled} cancelled. Axes: ${s.axes.map((a) => `<code>${escapeHtml(a)}</code>`).join(', ') || 'none'}.<br>
Learning-rate convention: ${s.lrConvention.map(escapeHtml).join('; ') || 'not recorded'} (η0 is the spec's <code>optimizer.lr</code>).<br>
What each quantity and fit means, and what the papers predict: <code>docs/science.md</code> in the sweep repository.</p>`);
  if (s.missing.length) parts.push(`<h2>What is missing</h2><ul class="notes">${s.missing.map((m) => `<li>${escapeHtml(m)}</li>`).join('')}</ul>`);

  if (s.lrTransfer.length) {
    parts.push('<h2>Learning-rate transfer</h2>');
    parts.push(table(['group', 'widths', 'slope d log η*/d log N', `${Math.round((s.lrTransfer[0].bootstrap.level || 0.95) * 100)}% interval`, 'transfer gap', 'verdict', 'threshold |slope|'],
      s.lrTransfer.map((l) => [describeGroup(l.group), l.optimalLr.map((o) => o.width).join(', '), fmt(l.slope), ci(l.ci),
        l.transferGap === null ? '—' : `${fmt(100 * l.transferGap, 3)}%`, l.verdict, l.threshold])));
    parts.push(table(['group', 'width', 'η*', 'loss at η*', 'how', 'bracket'], s.lrTransfer.flatMap((l) => l.optimalLr.map((o) => [
      describeGroup(l.group), o.width, fmt(o.lr, 4), fmt(o.loss, 4), o.method, `${fmt(o.bracket[0])} – ${fmt(o.bracket[1])}`]))));
    const groupOf = (l: Summary['lrTransfer'][number]) => trials.filter((tr) => Object.entries(l.group).every(([k, v]) => JSON.stringify(tr.axes?.[k]) === JSON.stringify(v)));
    const predicted = new Map(s.lrTransfer.map((l) => [l, predictedTransferSlope(l, groupOf(l))]));
    parts.push(await render([charts.etaStarVsWidth(s.lrTransfer, (l) => predicted.get(l) ?? null), ...capped(s.lrTransfer, 'loss vs lr').map(charts.lossVsLr)]));
    // Loss curves at each width's best grid lr.
    const curves: (ChartSpec | null)[] = [];
    for (const l of capped(s.lrTransfer, 'loss curves')) {
      const inGroup = groupOf(l);
      const atBest = inGroup.filter((tr) => {
        const o = l.optimalLr.find((x) => x.width === numericAxis(tr, l.over));
        const c = l.curves.find((x) => x.width === numericAxis(tr, l.over));
        if (!o || !c) return false;
        const finite = c.points.filter((p) => p.loss !== null);
        const nearest = finite.reduce((a, b) => (Math.abs(Math.log(b.lr / o.lr)) < Math.abs(Math.log(a.lr / o.lr)) ? b : a), finite[0]);
        return nearest && numericAxis(tr, l.lr) === nearest.lr;
      });
      curves.push(charts.lossCurves(`Loss curves at each width's best grid lr — ${describeGroup(l.group)}`, atBest, series, l.over));
    }
    parts.push(await render(curves));
  }

  if (s.sharpness.length) {
    parts.push('<h2>Sharpness and super consistency</h2>');
    parts.push(table(['group', 'widths', 'mean spread Δ', 'early Δ', 'late Δ', 'widest final η·λmax', 'vs 2'],
      s.sharpness.map((x) => [describeGroup(x.group), x.widths.map((w) => w.width).join(', '), fmt(x.consistency), fmt(x.spreadEarly), fmt(x.spreadLate),
        fmt(x.edgeOfStability.widestFinal), fmt(x.edgeOfStability.ratio)])));
    parts.push(await render(capped(s.sharpness, 'sharpness').map(charts.sharpnessTrajectories)));
    const widthAxis = s.sharpness[0].over;
    const groups = groupTrials(trials, s.axes, [widthAxis, 'seed']);
    parts.push(await render(capped(groups, 'loss curves').map((g) => charts.lossCurves(`Loss curves — ${describeGroup(g.label)}`, g.trials, series, widthAxis))));
  }

  if (s.scalingLaws.length) {
    parts.push('<h2>Scaling laws</h2>');
    parts.push(table(['group', 'axis', 'exponent α', 'interval', 'offset E', 'R² (log)', 'rms log residual', 'points', 'P1 lazy / rich', 'closer to'],
      s.scalingLaws.map((x) => [describeGroup(x.group), x.axis, fmt(x.exponent), ci(x.ci), fmt(x.offset), fmt(x.quality?.r2Log, 4), fmt(x.quality?.rmsLog),
        x.quality?.n ?? 0, x.prediction ? `${fmt(x.prediction.lazy)} / ${fmt(x.prediction.rich)}` : '—', x.prediction?.closerTo ?? '—'])));
    for (const axis of [...new Set(s.scalingLaws.map((x) => x.axis))]) {
      parts.push(await render(capped(s.scalingLaws.filter((x) => x.axis === axis), `scaling laws in ${axis}`).map(charts.scalingLaw)));
    }
  }

  if (s.phaseDiagram.length) {
    parts.push('<h2>γ–η phase diagram</h2>');
    parts.push(table(['group', 'L', 'η_max rule', 'η* slope small γ0 (exp. 2)', 'η* slope large γ0 (exp. 2/L)', 'η_max slope small', 'η_max slope large', 'λmax(init) slope small γ0 (exp. −2)', 'λmax(init) slope large γ0 (no expectation at init)'],
      s.phaseDiagram.map((p) => [describeGroup(p.group), p.depth ?? '—', p.stability ?? 'bound',
        `${fmt(p.slopes.etaStar.small.slope)} (n=${p.slopes.etaStar.small.n})`, `${fmt(p.slopes.etaStar.large.slope)} (n=${p.slopes.etaStar.large.n}; exp. ${fmt(p.slopes.etaStar.large.expected)})`,
        `${fmt(p.slopes.etaMax.small.slope)} (n=${p.slopes.etaMax.small.n})`, `${fmt(p.slopes.etaMax.large.slope)} (n=${p.slopes.etaMax.large.n})`,
        p.sharpnessSlopes ? fmt(p.sharpnessSlopes.small.slope) : '—', p.sharpnessSlopes ? fmt(p.sharpnessSlopes.large.slope) : '—'])));
    if (s.phaseDiagram.some((p) => p.sharpnessSlopes)) {
      parts.push('<p class="muted">λmax at initialisation: with centering the Gauss–Newton part scales as γ0^(−2) at every γ0; P3\'s γ0^(−2/L) at large γ0 applies to the trained network, not measured here.</p>');
    }
    const byRule = (g: Summary['phaseDiagram'][number]['perGamma'][number], r: 'bound' | 'finite') => {
      const v = g.etaMaxByRule?.[r];
      return v ? fmt(v.etaMax) : 'cannot classify';
    };
    parts.push(table(['group', 'γ0', 'η_max', 'next lr (unstable)', 'η_max by bound', 'η_max by finite', 'unclassified trials', 'η*', 'loss at η*'], s.phaseDiagram.flatMap((p) => p.perGamma.map((g) => [
      describeGroup(p.group), g.gamma, fmt(g.etaMax), g.etaMaxBracket?.[1] === null || !g.etaMaxBracket ? '—' : fmt(g.etaMaxBracket[1]),
      byRule(g, 'bound'), byRule(g, 'finite'), g.unclassified ?? 0, fmt(g.etaStar), fmt(g.lossStar)]))));
    parts.push(await render(capped(s.phaseDiagram, 'phase diagram').map(charts.phaseHeatmap)));
  }

  if (s.forgetting.length) {
    parts.push('<h2>Forgetting vs width</h2>');
    parts.push(table(['group', 'exponent b', 'interval', 'removed per doubling', 'widths'], s.forgetting.map((f) => [
      describeGroup(f.group), fmt(f.exponent), ci(f.ci), f.perDoubling === null ? '—' : `${fmt(100 * f.perDoubling, 2)}%`, f.points.map((p) => p.width).join(', ')])));
    parts.push(await render(capped(s.forgetting, 'forgetting').map(charts.forgettingVsWidth)));
  }

  if (s.alignment.length) {
    parts.push('<h2>Giant step: alignment with the teacher</h2>');
    parts.push(table(['group', 'input dims d', 'α values', 'collapse spread across d (update overlap)', '(max overlap)'], s.alignment.map((a) => [
      describeGroup(a.group), a.curves.map((c) => c.inputDim).join(', '), [...new Set(a.curves.flatMap((c) => c.points.map((p) => p.alpha)))].join(', '), fmt(a.collapseSpreadUpdate), fmt(a.collapseSpread)])));
    parts.push(await render(capped(s.alignment, 'alignment').map(charts.overlapVsAlpha)));
  }

  if (s.coordCheck?.length || s.preflightSkipped) {
    parts.push('<h2>Coord check (preflight)</h2>');
    if (s.preflightSkipped) parts.push('<p class="muted">The preflight was skipped (<code>--skip-preflight</code>): the sweep ran without its coord check.</p>');
    const cc = s.coordCheck ?? [];
    const names = [...new Set(cc.map((e) => e.parametrization))];
    const failed = cc.filter((e) => !e.ok);
    parts.push(table(['parametrization', 'verdict', 'failing entries (layer, step, measure: slope vs expected)'], names.map((n) => {
      const bad = failed.filter((e) => e.parametrization === n);
      return [n, bad.length ? 'fails' : 'ok', bad.map((e) => `${e.layer}, ${e.step}, ${e.measure}: ${fmt(e.slope)} vs ${fmt(e.expected)}`).join('; ') || '—'];
    })));
    for (const n of names) parts.push(await render(coordCheckPanels(n, cc)));
  }

  const notes = [...s.notes, ...problems];
  if (notes.length) parts.push(`<h2>Notes</h2><ul class="notes">${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`);
  if (!s.lrTransfer.length && !s.sharpness.length && !s.scalingLaws.length && !s.phaseDiagram.length && !s.forgetting.length && !s.alignment.length) {
    parts.push('<p>No analysis had the data it needs yet; see the notes above.</p>');
  }
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sweep ${escapeHtml(s.sweepId ?? '')} report</title><style>${CSS}</style></head>
<body>
${parts.join('\n')}
</body></html>
`;
}
