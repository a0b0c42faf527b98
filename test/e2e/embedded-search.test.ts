// The embedded runner drives an adaptive search (lr-descent): it asks the strategy for trials,
// feeds their results back, and stops when the strategy is done — running fewer trials than
// the grid holds. Resuming such a sweep runs nothing twice.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSpec } from '../../core/config/spec.js';
import { checkFolder, runCli, tinySpec } from './embedded-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'sweep-e2e-search-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('lr-descent: each width steps down from the largest lr until stable, then one decade more', { timeout: 400_000 }, async () => {
  const spec = tinySpec('e2e-descent', {
    grid: 'model.width: [8, 16]\noptimizer.lr: { logspace: [0.001, 1000, 13] }',
    extra: 'search: { kind: lr-descent, decades: 1 }\n',
  }).replace('depth: 2 }', 'depth: 2, parametrization: sp }');
  const specPath = join(tmp, 'sweep.yaml');
  writeFileSync(specPath, spec);
  const out = join(tmp, 'out');
  const gridSize = parseSpec(spec).plans.length;
  assert.equal(gridSize, 26);

  const r = await runCli(['run', specPath, '--out', out, '--parallel', '2']);
  assert.equal(r.code, 0, r.stderr);
  const { trials } = checkFolder(out);
  assert.ok(trials.length < gridSize, `${trials.length} of ${gridSize} grid points run`);
  for (const width of [8, 16]) {
    const mine = trials.filter((t) => t.axes['model.width'] === width)
      .map((t) => ({ lr: t.axes['optimizer.lr'] as number, outcome: t.outcome }))
      .sort((a, b) => b.lr - a.lr);
    const firstStable = mine.find((t) => t.outcome === 'succeeded');
    assert.ok(firstStable, `width ${width}: some lr is stable`);
    // everything above the first stable lr diverged, and nothing below one decade under it ran
    for (const t of mine) {
      if (t.lr > firstStable.lr) assert.equal(t.outcome, 'diverged', `width ${width} lr ${t.lr}`);
      assert.ok(t.lr >= firstStable.lr / 10 * (1 - 1e-9), `width ${width}: lr ${t.lr} is more than a decade below ${firstStable.lr}`);
    }
    // it started at the top of the grid
    assert.equal(mine[0].lr, 1000);
    assert.equal(mine[mine.length - 1].lr, Number((firstStable.lr / 10).toPrecision(12)));
  }

  const again = await runCli(['run', specPath, '--out', out]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /0 run now/);
  assert.equal(checkFolder(out).trials.length, trials.length);
});
