// The coord-check preflight through the real CLI: `sweep run` exits 3 with one line naming the
// mis-scaled test-only parametrization's output layer and runs no trial; --skip-preflight runs
// the sweep and records the override (`sweep analyze` of the folder that ran nothing reports the
// failing verdict); `sweep coord-check` prints a line per parametrization.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, ROOT, tinySpec } from './embedded-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'sweep-e2e-preflight-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const SPEC = tinySpec('e2e-preflight', {
  grid: 'model.width: [8, 16]',
  extra: 'preflight: { coordCheck: { widths: [64, 128, 256, 512], steps: 2, seeds: 2 } }\n',
});

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const BAD = { SWEEP_TEST_COORD_VARIANTS: 'mup-misscaled-output' };

test('sweep run: a failing coord check exits 3 naming the layer and runs nothing; --skip-preflight runs and records it', { timeout: 300_000 }, async () => {
  const specPath = join(tmp, 'sweep.yaml');
  writeFileSync(specPath, SPEC);
  const out = join(tmp, 'out');
  const r = await cli(['run', specPath, '--out', out], BAD);
  assert.equal(r.code, 3, r.stderr);
  const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('sweep: coord check failed'));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /mup-misscaled-output layer 1 \(output\) step \d: .*slope -?[\d.]+ on log width, expected 0\.00/);
  assert.equal(readFileSync(join(out, 'trials.jsonl'), 'utf8'), '', 'no trial ran');
  const rec = JSON.parse(readFileSync(join(out, 'preflight.json'), 'utf8'));
  assert.equal(rec.skipped, false);
  assert.equal(rec.coordCheck.ok, false);
  // the report of the sweep that never ran: `sweep analyze` carries the failing verdict
  const a = await cli(['analyze', out]);
  assert.equal(a.code, 0, a.stderr);
  const failed = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).coordCheck.filter((e: { ok: boolean }) => !e.ok);
  assert.ok(failed.length > 0 && failed.every((e: { parametrization: string }) => e.parametrization === 'mup-misscaled-output'));
  assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /<h2>Coord check \(preflight\)<\/h2>/);

  const s = await cli(['run', specPath, '--out', out, '--skip-preflight'], BAD);
  assert.equal(s.code, 0, s.stderr);
  assert.equal(readFileSync(join(out, 'trials.jsonl'), 'utf8').trim().split('\n').length, 2);
  assert.equal(JSON.parse(readFileSync(join(out, 'preflight.json'), 'utf8')).skipped, true);
  assert.equal(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).preflightSkipped, true);
});

test('sweep run with a passing coord check: summary.json carries coordCheck[]', { timeout: 300_000 }, async () => {
  const specPath = join(tmp, 'ok.yaml');
  writeFileSync(specPath, SPEC);
  const out = join(tmp, 'ok');
  const r = await cli(['run', specPath, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.ok(summary.coordCheck.length > 0);
  for (const e of summary.coordCheck) {
    assert.deepEqual(Object.keys(e).filter((k) => ['parametrization', 'layer', 'step', 'measure', 'slope', 'ci', 'expected', 'ok'].includes(k)).length, 8);
    assert.equal(e.ok, true);
  }
  // the report's coord-check plot: per parametrization one panel per step and measure (3 + 2 here)
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.match(html, /<h2>Coord check \(preflight\)<\/h2>/);
  assert.ok((html.match(/<svg/g) ?? []).length >= 5);
});

test('sweep coord-check: one line per parametrization, --out writes coord-check.json, exit 3 on failure', { timeout: 120_000 }, async () => {
  const specPath = join(tmp, 'cc.yaml');
  writeFileSync(specPath, SPEC);
  const out = join(tmp, 'cc');
  const ok = await cli(['coord-check', specPath, '--out', out]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^coord check mup: ok \(widths 64–512, 2 steps, 2 seeds\)$/m);
  assert.ok(existsSync(join(out, 'coord-check.json')));
  const bad = await cli(['coord-check', specPath], BAD);
  assert.equal(bad.code, 3);
  assert.match(bad.stderr, /^sweep: coord check failed: mup-misscaled-output layer 1 \(output\)/m);
});
