// `sweep run` and `sweep validate` end to end with the real trainer: the output folder is
// complete and consistent, ids match the spec, and running again changes nothing.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSpec } from '../../core/config/spec.js';
import { checkFolder, runCli, tinySpec } from './embedded-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'sweep-e2e-run-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const SPEC = tinySpec('e2e-run', {
  grid: 'model.width: [8, 16]\noptimizer.lr: { logspace: [0.01, 1, 3] }',
  extra: 'analysis: { lrTransfer: { over: model.width } }\n',
});

test('a sweep runs to completion and writes every file of the output folder', { timeout: 300_000 }, async () => {
  const specPath = join(tmp, 'sweep.yaml');
  writeFileSync(specPath, SPEC);
  const out = join(tmp, 'out');
  const planned = parseSpec(SPEC).plans;
  assert.equal(planned.length, 6);

  const r = await runCli(['run', specPath, '--out', out, '--parallel', '2']);
  assert.equal(r.code, 0, r.stderr);
  // plain progress lines when not on a terminal: one per trial, with the counters
  const progress = r.stdout.split('\n').filter((l) => /^\[\s*\d+\/6\]/.test(l));
  assert.equal(progress.length, 6, r.stdout);
  for (const l of progress) assert.match(l, /running \d+, diverged \d+, failed \d+, eta /);
  assert.match(r.stdout, /sweep e2e-run: 6 trials done \(6 succeeded, 0 diverged, 0 failed; 6 run now\)/);

  const { trials, metrics } = checkFolder(out);
  assert.deepEqual(trials.map((t) => t.id).sort(), planned.map((p) => p.id).sort(), 'the trials of the spec, by id');
  for (const t of trials) {
    assert.equal(t.outcome, 'succeeded');
    const plan = planned.find((p) => p.id === t.id)!;
    assert.deepEqual(t.axes, plan.axes);
  }
  assert.ok(metrics.length >= 6 * 4, `${metrics.length} metric lines`);

  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.equal(summary.trials.succeeded, 6);
  assert.equal(summary.lrTransfer.length, 1, 'the lrTransfer analysis ran');
  assert.match(r.stdout, /lr transfer \[all trials\]: slope /);
  const report = readFileSync(join(out, 'report.html'), 'utf8');
  assert.match(report, /^<!doctype html>/i);
  assert.ok(report.includes('<svg'), 'the report holds rendered charts');
  const spec = JSON.parse(readFileSync(join(out, 'spec.json'), 'utf8'));
  assert.equal(spec.name, 'e2e-run');
  assert.deepEqual(spec.axes.map((a: { path: string }) => a.path), ['model.width', 'optimizer.lr']);

  // the same command again: everything is done, nothing reruns, trial files unchanged
  const before = { t: readFileSync(join(out, 'trials.jsonl')), m: readFileSync(join(out, 'metrics.jsonl')) };
  const again = await runCli(['run', specPath, '--out', out]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /6 trials, 6 already done/);
  assert.match(again.stdout, /0 run now/);
  assert.deepEqual(readFileSync(join(out, 'trials.jsonl')), before.t);
  assert.deepEqual(readFileSync(join(out, 'metrics.jsonl')), before.m);
});

test('sweep validate prints the grid size and axes; an invalid spec exits 2 naming every problem', { timeout: 60_000 }, async () => {
  const good = join(tmp, 'good.yaml');
  writeFileSync(good, tinySpec('v', { grid: 'model.width: { pow2: [8, 64] }\nzip:\n  - model.depth: [2, 3]\n    train.steps: [20, 30]\nseed: [0, 1, 2]' }));
  const ok = await runCli(['validate', good]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /valid sweep "v"/);
  assert.match(ok.stdout, /trials: 24 \(grid of 24 points\)/);
  assert.match(ok.stdout, /model\.width\s+4\s+pow2: 8, 16, 32, 64/);
  assert.match(ok.stdout, /zip\[0\]: 2 axes varying together, 2 values/);

  const bad = join(tmp, 'bad.yaml');
  writeFileSync(bad, tinySpec('v', { grid: 'model.width: [0, 8]\noptimizer.lr: []' }).replace('depth: 2', 'depth: 2, widht: 3'));
  const no = await runCli(['validate', bad]);
  assert.equal(no.code, 2);
  assert.equal(no.stdout, '');
  assert.deepEqual(no.stderr.trim().split('\n'), [
    `sweep: invalid ${bad}: grid.optimizer.lr: empty axis (give at least one value) (and 2 more)`,
    '  model.widht: unknown key',
    '  grid.model.width[0]: must be >= 1, got 0',
  ]);
  // run refuses it the same way, before creating anything
  const run = await runCli(['run', bad, '--out', join(tmp, 'never')]);
  assert.equal(run.code, 2);
  assert.throws(() => readFileSync(join(tmp, 'never', 'trials.jsonl')));
});
