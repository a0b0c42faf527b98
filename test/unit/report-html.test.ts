// report.html is self-contained (no network at view time) and holds the expected plots;
// analyzeFolder writes it with summary.json from an output folder, also a partial one.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeFolder } from '../../core/analysis/folder.js';
import { trialConfigSchema } from '../../core/config/trial.js';
import type { MetricMessage } from '../../core/messages.js';
import type { TrialRecord } from '../../core/outcome.js';
import { analyzeSweep } from '../../core/analysis/analyze.js';
import type { ScalingLawSummary } from '../../core/analysis/summary.js';
import * as charts from '../../core/report/charts.js';
import { renderReport } from '../../core/report/html.js';
import { renderSvg } from '../../core/report/render-chart.js';

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function sweepFolder(): { dir: string; trials: TrialRecord[]; metrics: MetricMessage[] } {
  const dir = mkdtempSync(join(tmpdir(), 'report-test-'));
  dirs.push(dir);
  const trials: TrialRecord[] = [];
  const metrics: MetricMessage[] = [];
  let k = 0;
  for (const p of ['sp', 'mup']) for (const width of [64, 256]) for (const lr of [0.01, 0.1, 1]) for (const seed of [0, 1]) {
    const id = `trial${k++}`;
    const config = trialConfigSchema.parse({ seed, task: { kind: 'teacher-mlp' }, model: { width, parametrization: p }, optimizer: { kind: 'sgd', lr } });
    const diverged = p === 'sp' && width === 256 && lr === 1;
    const loss = 0.1 * (1 + Math.abs(Math.log10(lr) + 1)) * (64 / width) ** 0.2;
    trials.push({ id, trialId: id, sweepId: 'rep', config, axes: { 'model.parametrization': p, 'model.width': width, 'optimizer.lr': lr, seed },
      outcome: diverged ? 'diverged' : 'succeeded', step: diverged ? 3 : 50, final: { step: 50, trainLoss: diverged ? undefined : loss },
      backend: 'cpu', lrConvention: 'plain: mup global lr = η0·N', durationMs: 1, finishedAt: '' });
    if (!diverged) for (let st = 0; st <= 50; st += 10) metrics.push({ sweepId: 'rep', trialId: id, step: st, trainLoss: loss * (1 + 5 * Math.exp(-st / 10)), sharpness: 1 / lr, sharpnessScaled: st / 25 });
  }
  return { dir, trials, metrics };
}

const jsonl = (xs: unknown[]) => xs.map((x) => JSON.stringify(x)).join('\n') + '\n';

test('analyzeFolder writes summary.json and a self-contained report.html with the plots', async () => {
  const { dir, trials, metrics } = sweepFolder();
  writeFileSync(join(dir, 'trials.jsonl'), jsonl(trials));
  writeFileSync(join(dir, 'metrics.jsonl'), jsonl(metrics) + '{"torn": ');
  writeFileSync(join(dir, 'spec.json'), JSON.stringify({ name: 'rep', axes: ['model.parametrization', 'model.width', 'optimizer.lr', 'seed'].map((path) => ({ path })), analysis: { lrTransfer: { bootstrap: 50 }, sharpness: {} } }));
  const res = await analyzeFolder(dir, { planned: 30 });
  const summary = JSON.parse(readFileSync(res.summaryPath, 'utf8'));
  assert.equal(summary.sweepId, 'rep');
  assert.equal(summary.trials.total, 24);
  assert.equal(summary.trials.diverged, 2);
  assert.deepEqual(summary.lrConvention, ['plain: mup global lr = η0·N']);
  assert.equal(summary.lrTransfer.length, 2);
  assert.ok(summary.sharpness.length > 0);
  assert.match(summary.missing.join('\n'), /6 of 30 planned trials have not finished/);
  const html = readFileSync(res.reportPath!, 'utf8');
  // self-contained: inline SVG charts, no external resources or scripts
  const svgs = html.match(/<svg[\s>]/g) ?? [];
  assert.ok(svgs.length >= 5, `${svgs.length} charts`);
  assert.doesNotMatch(html, /<script|<link|src=|@import|url\(http/i);
  const hrefs = [...html.matchAll(/(?:href|src)="([^"]*)"/g)].map((m) => m[1]);
  assert.deepEqual(hrefs.filter((h) => /^https?:/.test(h)), []);
  for (const title of ['η* vs width', 'Loss vs learning rate', 'Step-scaled sharpness', 'Loss curves', 'What is missing']) assert.ok(html.includes(title), title);
  assert.ok(html.includes('plain: mup global lr = η0·N'));
});

test('an empty or missing folder: a clear message, an empty summary for a sweep with nothing finished', async () => {
  await assert.rejects(analyzeFolder('/nonexistent/sweep-dir'), /no such output folder/);
  const bare = mkdtempSync(join(tmpdir(), 'report-bare-'));
  dirs.push(bare);
  await assert.rejects(analyzeFolder(bare), /not a sweep output folder/);
  const started = join(bare, 'started');
  mkdirSync(started);
  writeFileSync(join(started, 'spec.json'), JSON.stringify({ name: 'x', axes: [] }));
  const res = await analyzeFolder(started);
  assert.equal(res.summary.trials.total, 0);
  const html = readFileSync(res.reportPath!, 'utf8');
  assert.match(html, /no finished trials yet/);
});

test('report.html shows the spec description, escaped', async () => {
  const { dir, trials, metrics } = sweepFolder();
  writeFileSync(join(dir, 'trials.jsonl'), jsonl(trials));
  writeFileSync(join(dir, 'metrics.jsonl'), jsonl(metrics));
  const description = 'does η* <b>transfer</b> & "why"?';
  writeFileSync(join(dir, 'spec.json'), JSON.stringify({ name: 'rep', description, axes: ['model.parametrization', 'model.width', 'optimizer.lr', 'seed'].map((path) => ({ path })), analysis: { lrTransfer: { bootstrap: 20 } } }));
  const html = readFileSync((await analyzeFolder(dir)).reportPath!, 'utf8');
  assert.ok(html.includes('does η* &lt;b&gt;transfer&lt;/b&gt; &amp; &quot;why&quot;?'), 'escaped description');
  assert.ok(!html.includes('<b>transfer</b>'));
  assert.ok(html.includes('docs/science.md'));
});

test('loss vs lr marks diverged lrs with a cross at the top; η* vs width draws µP\'s predicted slope 0 and none for SP', async () => {
  const { trials, metrics } = sweepFolder();
  const s = await analyzeSweep(trials, metrics, { lrTransfer: { bootstrap: 20 } });
  const sp = s.lrTransfer.find((l) => l.group['model.parametrization'] === 'sp')!;
  const spec = charts.lossVsLr(sp) as { layer: { mark: { shape?: string }; data: { values: Record<string, unknown>[] }; encoding: { y: unknown } }[] };
  const crosses = spec.layer.find((l) => l.mark.shape === 'cross');
  assert.ok(crosses, 'a layer of crosses');
  assert.deepEqual(crosses.data.values.map((v) => [v.width, v.lr]), [[256, 1]], 'the diverged lr of width 256');
  assert.deepEqual(crosses.encoding.y, { value: 0 }, 'at the top of the axis');
  const svg = await renderSvg(spec);
  assert.match(svg, /diverged at that lr/);

  const eta = charts.etaStarVsWidth(s.lrTransfer, (l) => (l.group['model.parametrization'] === 'mup' ? 0 : null)) as { layer: { data: { values: { group: string; lr: number; width: number }[] } }[] };
  assert.equal(eta.layer.length, 2);
  const guides = eta.layer[1].data.values;
  assert.ok(guides.length === 2 && guides.every((g) => g.group.includes('mup')), 'one guide, for µP only');
  const mup = s.lrTransfer.find((l) => l.group['model.parametrization'] === 'mup')!;
  const narrow = mup.optimalLr.find((o) => o.width === 64)!;
  for (const g of guides) assert.equal(g.lr, narrow.lr, 'slope 0 through the narrowest η*');
  assert.deepEqual(guides.map((g) => g.width), [64, 256]);
  // renderReport decides µP from the trials' configs
  const html = await renderReport(s, trials, new Map());
  assert.match(html, /dashed: predicted slope \(µP: 0\)/);
});

test('scaling-law charts draw P1\'s lazy and rich slopes; the phase diagram draws P3\'s 2 and 2/L; forgetting has none', async () => {
  const scaling = {
    group: {}, axis: 'step', metric: 'testLoss', exponent: 0.5, ci: null, offset: 0.01, amplitude: 2, quality: null,
    bootstrap: { method: 'none', replicates: 0, usable: 0, level: 0.95 }, points: [{ x: 10, y: 0.6, seeds: 1 }, { x: 1000, y: 0.07, seeds: 1 }],
    curve: [{ x: 10, y: 0.64, lo: null, hi: null }, { x: 1000, y: 0.07, lo: null, hi: null }],
    prediction: { source: 'P1', beta: 0.5, capacity: 2, lazy: 0.5, rich: 2 / 3, closerTo: 'lazy' },
  } as ScalingLawSummary;
  const sl = charts.scalingLaw(scaling) as { layer: { data: { values: { x: number; y: number; guide?: string }[] } }[] };
  const guides = sl.layer.at(-1)!.data.values;
  for (const [label, chi] of [['lazy', 0.5], ['rich', 2 / 3]] as const) {
    const [a, b] = guides.filter((g) => g.guide!.includes(label));
    const slope = Math.log(b.y / a.y) / Math.log(b.x / a.x);
    assert.ok(Math.abs(slope + chi) < 1e-12, `${label} guide slope ${slope}`);
    assert.equal(a.y, 0.64, 'through the first point of the fitted curve');
  }
  const noPrediction = charts.scalingLaw({ ...scaling, prediction: undefined }) as { layer: unknown[] };
  assert.equal(noPrediction.layer.length, sl.layer.length - 1);

  // phase diagram: η* = 0.1·γ0² below 1 and 0.1·γ0^(2/3) above, L = 3
  const L = 3;
  const trials: TrialRecord[] = [];
  let k = 0;
  for (const gamma of [0.1, 0.3, 1, 3, 10]) for (const lr of [1e-4, 1e-3, 1e-2, 1e-1, 1, 10]) {
    const id = `p${k++}`;
    const star = gamma <= 1 ? 0.1 * gamma ** 2 : 0.1 * gamma ** (2 / L);
    const config = trialConfigSchema.parse({ task: { kind: 'teacher-mlp' }, model: { depth: L, gamma }, optimizer: { kind: 'sgd', lr } });
    const common = { id, trialId: id, sweepId: 'pd', config, axes: { 'model.gamma': gamma, 'optimizer.lr': lr }, backend: 'cpu', lrConvention: 'plain', durationMs: 1, finishedAt: '' };
    trials.push(lr > 10 * star
      ? { ...common, outcome: 'diverged', divergence: 'bound', step: 2, final: { step: 2 } }
      : { ...common, outcome: 'succeeded', step: 10, final: { step: 10, trainLoss: 0.1 * Math.exp(0.5 * Math.log(lr / star) ** 2) } });
  }
  const pd = (await analyzeSweep(trials, [], { phaseDiagram: {} })).phaseDiagram[0];
  const heat = charts.phaseHeatmap(pd) as { layer: { mark: { strokeDash?: number[] }; data: { values: { gamma: number; lr: number; curve: string }[] } }[] };
  const pred = heat.layer.find((l) => l.mark.strokeDash)!.data.values;
  const slopeOf = (tag: string) => {
    const [a, b] = pred.filter((p) => p.curve.includes(tag));
    return Math.log(b.lr / a.lr) / Math.log(b.gamma / a.gamma);
  };
  assert.ok(Math.abs(slopeOf('≤ 1') - 2) < 1e-12, `small γ0 guide ${slopeOf('≤ 1')}`);
  assert.ok(Math.abs(slopeOf('≥ 1') - 2 / L) < 1e-12, `large γ0 guide ${slopeOf('≥ 1')}`);
  const html = await renderReport({ ...(await analyzeSweep(trials, [], { phaseDiagram: {} })) }, trials, new Map());
  assert.match(html, /η_max rule/);

  const f = charts.forgettingVsWidth({
    group: {}, over: 'model.width', points: [{ width: 64, averageAccuracy: 0.8, averageForgetting: 0.2, seeds: 1 }], exponent: 0.05, ci: null, amplitude: 0.3,
    quality: null, bootstrap: { method: 'none', replicates: 0, usable: 0, level: 0.95, seeds: 1 }, perDoubling: 0.034,
  }) as { title: { subtitle: string } };
  assert.match(f.title.subtitle, /no predicted exponent/);
});

test('the init-sharpness slope at large γ0 carries no expectation (P3\'s −2/L is about the trained network)', async () => {
  const trials: TrialRecord[] = [];
  const metrics: MetricMessage[] = [];
  let k = 0;
  for (const gamma of [0.1, 1, 10]) for (const lr of [0.01, 0.1]) {
    const id = `s${k++}`;
    const config = trialConfigSchema.parse({ task: { kind: 'teacher-mlp' }, model: { depth: 3, gamma }, optimizer: { kind: 'sgd', lr } });
    trials.push({ id, trialId: id, sweepId: 'sh', config, axes: { 'model.gamma': gamma, 'optimizer.lr': lr }, outcome: 'succeeded', step: 10, final: { step: 10, trainLoss: lr }, backend: 'cpu', lrConvention: 'plain', durationMs: 1, finishedAt: '' });
    metrics.push({ sweepId: 'sh', trialId: id, step: 0, trainLoss: 1, sharpness: gamma ** -2 });
  }
  const s = await analyzeSweep(trials, metrics, { phaseDiagram: {} });
  const sh = s.phaseDiagram[0].sharpnessSlopes!;
  assert.equal(sh.small.expected, -2);
  assert.ok(Math.abs(sh.small.slope! + 2) < 1e-9);
  assert.equal(sh.large.expected, null);
  assert.match(sh.large.note!, /trained network/);
  const html = await renderReport(s, trials, new Map());
  assert.ok(!html.includes('−2, −2/L'), 'no −2/L expectation for the measurement at init');
  assert.match(html, /no expectation at init/);
});
