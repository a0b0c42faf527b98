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
