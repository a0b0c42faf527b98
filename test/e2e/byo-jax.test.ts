// The JAX µP example (examples/byo-jax) through the CLI, as a user runs it: `sweep run` on the
// small spec with the SDK's venv first on PATH (the spec's `command: [python, train.py]` is the
// python of the environment `sweep run` is started from). A scientist's check of the result:
// under µP the best learning rate stays put as the width grows, under SP it falls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import type { LrTransferSummary } from '../../core/analysis/summary.js';
import { loadSpec } from '../../core/config/spec.js';
import { CLI, jsonl, ROOT } from './embedded-helpers.js';

const SPEC = join(ROOT, 'examples', 'byo-jax', 'lr-transfer-small.yaml');

function venvPython(): string {
  const inst = spawnSync('bash', [join(ROOT, 'test', 'servers', 'install-python-sdk.sh')], { encoding: 'utf8' });
  assert.equal(inst.status, 0, `test/servers/install-python-sdk.sh failed (python3 with venv and PyPI access are needed): ${inst.stderr}`);
  return inst.stdout.trim();
}

test('sweep run examples/byo-jax/lr-transfer-small.yaml: µP η* transfers across widths, SP η* falls', { timeout: 20 * 60_000 }, async (t) => {
  const python = venvPython();
  const out = mkdtempSync(join(tmpdir(), 'sweep-e2e-byo-jax-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const resolved = await loadSpec(SPEC, { commandTrainer: true });
  const widths = [...new Set(resolved.plans.map((p) => p.axes['params.width'] as number))].sort((a, b) => a - b);
  const lrs = [...new Set(resolved.plans.map((p) => p.axes['params.lr'] as number))].sort((a, b) => a - b);

  const child = spawn(process.execPath, [CLI, 'run', SPEC, '--out', out], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PATH: `${dirname(python)}${delimiter}${process.env.PATH ?? ''}`, JAX_PLATFORMS: 'cpu' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, `sweep run failed:\n${stdout.slice(-3000)}\n${stderr.slice(-3000)}`);

  // every trial ran to an outcome through the protocol: no failed trial, the large rates may diverge
  const trials = jsonl(join(out, 'trials.jsonl')) as { outcome: string; backend?: string }[];
  assert.equal(trials.length, resolved.plans.length);
  for (const tr of trials) {
    assert.ok(tr.outcome === 'succeeded' || tr.outcome === 'diverged', JSON.stringify(tr));
    assert.match(tr.backend ?? '', /^jax /);
  }
  assert.ok(trials.filter((tr) => tr.outcome === 'succeeded').length >= resolved.plans.length / 2, 'most trials train');

  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { lrTransfer: LrTransferSummary[] };
  const byParam = new Map(summary.lrTransfer.map((l) => [l.group['params.parametrization'], l]));
  assert.deepEqual([...byParam.keys()].sort(), ['mup', 'sp']);
  // one grid step of the spec's logspace: two η* within it are the same optimum as far as the grid can tell
  const step = lrs[1] / lrs[0];
  for (const l of byParam.values()) {
    assert.equal(l.over, 'params.width');
    assert.equal(l.lr, 'params.lr');
    assert.deepEqual(l.optimalLr.map((o) => o.width), widths, 'an η* at every width');
    for (const o of l.optimalLr) assert.ok(o.lr >= lrs[0] && o.lr <= lrs[lrs.length - 1] && Number.isFinite(o.loss), JSON.stringify(o));
    assert.equal(typeof l.slope, 'number');
  }
  const mup = byParam.get('mup')!;
  const sp = byParam.get('sp')!;
  const ratio = (l: LrTransferSummary) => l.optimalLr[l.optimalLr.length - 1].lr / l.optimalLr[0].lr;
  // µP: the slope within the spec's tolerance (0.2), η* of the widest width within one grid step of the narrowest's
  assert.equal(mup.verdict, 'transfers', `µP: ${mup.verdictReason}, slope ${mup.slope}`);
  assert.ok(Math.abs(mup.slope!) <= mup.threshold, `µP slope ${mup.slope}`);
  assert.ok(ratio(mup) <= step * 1.01 && ratio(mup) >= 1 / (step * 1.01), `µP η* ratio ${ratio(mup)}`);
  // SP: η* falls with width by more than one grid step (theory: about 1/width for the hidden layers)
  assert.equal(sp.verdict, 'does-not-transfer', `SP: ${sp.verdictReason}, slope ${sp.slope}`);
  assert.ok(sp.slope! < -sp.threshold, `SP slope ${sp.slope}`);
  assert.ok(ratio(sp) < 1 / step, `SP η* ratio ${ratio(sp)}`);
  assert.match(stdout, /lr transfer \[params\.parametrization=mup\].*transfers/);
  assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /params\.width/);
});
