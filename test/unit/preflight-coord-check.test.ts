// The coord-check preflight (docs/science.md §1, "Coord check"): the measured width exponents of
// µP and NTK match their expected ones at widths 64–1024 within the default tolerance 0.2 for
// every judged entry; SP's updates grow (output update slope above 0.5); a mis-scaled output
// multiplier fails at the output layer, named; every shipped example's check passes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpec, parseSpec } from '../../core/config/spec.js';
import { expectedSlope } from '../../core/preflight/expected.js';
import { coordCheckPlan, DEFAULT_WIDTHS } from '../../core/preflight/plan.js';
import { runCoordCheck } from '../../core/preflight/run.js';
import { testVariant } from '../../core/preflight/test-variants.js';
import { failureLine, judge, logLogSlope } from '../../core/preflight/verdict.js';
import type { CoordMeasure } from '../../core/preflight/sizes.js';
import { ConfigError } from '../../core/config/errors.js';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const TOLERANCE = 0.2;

function spec(activation: string, extra = ''): string {
  return `name: cc
task: { kind: teacher-mlp, inputDim: 16, trainSize: 512, testSize: 256 }
model: { activation: ${activation}, depth: 3, width: 64 }
optimizer: { kind: sgd, lr: 0.1 }
train: { steps: 100, batchSize: 64 }
backend: { name: wasm, threads: 1 }
grid:
  model.parametrization: [mup, ntk, sp]
  model.width: [64, 128, 256, 512, 1024]
${extra}`;
}

test('logLogSlope recovers an exact power law; judge is two- or one-sided', () => {
  const xs = [64, 128, 256, 512, 1024];
  assert.ok(Math.abs(logLogSlope(xs, xs.map((x) => 3 * x ** -0.5))! + 0.5) < 1e-12);
  assert.equal(logLogSlope(xs, [1, 2, 0, 4, 5]), null);
  assert.equal(judge(0.15, 0, 0.2, false), true);
  assert.equal(judge(-0.25, 0, 0.2, false), false);
  assert.equal(judge(2.5, 1, 0.2, true), true);
  assert.equal(judge(0.7, 1, 0.2, true), false);
  assert.equal(judge(null, 0, 0.2, false), false);
  assert.equal(judge(null, null, 0.2, false), true);
});

test('expected exponents: µP flat (output |h| at init N^-1/2), NTK hidden updates N^-1/2, SP output update N', () => {
  assert.equal(expectedSlope('mup', 'sgd', 'hidden', 'dh', 1), 0);
  assert.equal(expectedSlope('mup', 'sgd', 'output', 'dh', 1), 0);
  assert.equal(expectedSlope('mup', 'sgd', 'output', 'h', 0), -0.5);
  assert.equal(expectedSlope('mup', 'sgd', 'output', 'h', 1), null);
  assert.equal(expectedSlope('ntk', 'sgd', 'hidden', 'dh', 2), -0.5);
  assert.equal(expectedSlope('ntk', 'sgd', 'hidden', 'h', 2), 0);
  assert.equal(expectedSlope('sp', 'sgd', 'output', 'dh', 1), 1);
});

test('the plan: widths from the width axis, else 64–1024; parametrizations from the axis; spec keys checked', () => {
  const r = parseSpec(spec('relu'));
  const p = coordCheckPlan(r);
  assert.deepEqual(p.widths, [64, 128, 256, 512, 1024]);
  assert.deepEqual(p.subjects.map((s) => s.name), ['mup', 'ntk', 'sp']);
  assert.deepEqual([p.steps, p.seeds, p.tolerance, p.lr], [3, 2, 0.2, 0.1]);
  const noAxis = parseSpec(spec('relu').replace(/ {2}model\.width.*\n/, '').concat('preflight: { coordCheck: { steps: 2, lr: 0.05 } }\n'));
  const q = coordCheckPlan(noAxis);
  assert.deepEqual(q.widths, DEFAULT_WIDTHS);
  assert.deepEqual([q.steps, q.lr], [2, 0.05]);
  assert.throws(() => parseSpec(spec('relu', 'preflight: { coordCheck: { widths: [64], stpes: 3 } }\n')), (e: unknown) =>
    e instanceof ConfigError && e.problems.some((l) => l.startsWith('preflight.coordCheck.widths')) && e.problems.some((l) => l.startsWith('preflight.coordCheck')));
});

for (const activation of ['relu', 'tanh']) {
  test(`coord check (${activation}, widths 64–1024): µP and NTK at their expected slopes, SP grows, a mis-scaled output fails there`, { timeout: 120_000 }, async () => {
    const r = parseSpec(spec(activation));
    const result = await runCoordCheck(coordCheckPlan(r, { seeds: 3 }, [testVariant('mup-misscaled-output')!]));
    for (const p of ['mup', 'ntk']) {
      const mine = result.entries.filter((e) => e.parametrization === p && e.judged);
      assert.ok(mine.length >= 15, `${p}: ${mine.length} judged entries`);
      for (const e of mine) {
        assert.ok(Math.abs(e.slope! - e.expected!) <= TOLERANCE,
          `${p} layer ${e.layer} step ${e.step} ${e.measure}: slope ${e.slope?.toFixed(3)}, expected ${e.expected}`);
      }
      assert.equal(result.verdicts.find((v) => v.parametrization === p)!.ok, true);
    }
    const spOut = result.entries.find((e) => e.parametrization === 'sp' && e.layer === 2 && e.step === 1 && e.measure === 'dh')!;
    assert.ok(spOut.slope! > 0.5, `SP output update slope ${spOut.slope}`);
    const bad = result.verdicts.find((v) => v.parametrization === 'mup-misscaled-output')!;
    assert.equal(bad.ok, false);
    assert.equal(result.ok, false);
    assert.equal(bad.failures[0].layer, 2, 'the worst failure is at the output layer');
    assert.match(failureLine(bad), /^coord check failed: mup-misscaled-output layer 2 \(output\) step \d: .* slope [\d.]+ on log width, expected 0\.00/);
    // every entry has an interval over the seeds that contains its slope
    for (const e of result.entries) if (e.slope !== null) assert.ok(e.ci && e.ci[0] <= e.slope && e.slope <= e.ci[1]);
  });
}

test('every shipped µP example declares the coord check as its preflight, and it passes as shipped', { timeout: 300_000 }, async () => {
  const dir = join(ROOT, 'examples');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') && !f.endsWith('.expect.yaml'));
  assert.ok(files.length >= 8);
  let checked = 0;
  for (const f of files) {
    // the YAML as shipped, read the way `sweep run` reads it
    const r = await loadSpec(join(dir, f), { yes: true });
    if (!r.plans.some((p) => p.config.model.parametrization === 'mup')) continue;
    assert.ok(r.spec.preflight?.coordCheck, `${f}: a µP sweep without preflight.coordCheck`);
    const plan = coordCheckPlan(r);
    // every parametrization the grid trains is checked, at the sweep's own widths when it has a width axis
    const trained = new Set(r.plans.map((p) => p.config.model.parametrization));
    assert.deepEqual(new Set(plan.subjects.map((s) => s.parametrization)), trained, f);
    const widths = [...new Set(r.plans.map((p) => p.config.model.width))].sort((a, b) => a - b);
    if (!r.spec.preflight.coordCheck.widths && widths.length >= 2) assert.deepEqual(plan.widths, widths, f);
    const result = await runCoordCheck(plan);
    assert.equal(result.ok, true, `${f}: ${result.verdicts.filter((v) => !v.ok).map(failureLine).join('; ')}`);
    assert.ok(result.entries.some((e) => e.judged), `${f}: nothing judged`);
    assert.ok(result.durationMs > 0, `${f}: the check's wall time is recorded`);
    checked++;
  }
  assert.ok(checked >= 8, `${checked} µP examples checked`);
});

test('the verdict needs only the sizes: a measurement other than the built-in trainer is judged the same way', async () => {
  // sizes that follow exact power laws of the width: µP's exponents, except an output update ∝ N
  const r = parseSpec(spec('relu'));
  const plan = coordCheckPlan(r, { steps: 2, seeds: 3 });
  const mupOnly = { ...plan, subjects: plan.subjects.filter((s) => s.parametrization === 'mup') };
  const synthetic = (outputUpdate: number): CoordMeasure => async (p) => p.subjects.map((subject) => {
    const depth = 3;
    const table = (exp: (layer: number, step: number) => number) => Array.from({ length: depth }, (_, l) => Array.from({ length: p.steps + 1 }, (_, t) =>
      p.widths.map((w) => Array.from({ length: p.seeds }, (_, k) => (1 + 0.01 * k) * w ** exp(l, t)))));
    return {
      subject, depth,
      h: table((l, t) => (l === depth - 1 && t === 0 ? -0.5 : 0)),
      dh: table((l, t) => (t === 0 ? 0 : l === depth - 1 ? outputUpdate : 0)),
    };
  });
  const ok = await runCoordCheck(mupOnly, { measure: synthetic(0) });
  assert.equal(ok.ok, true, ok.verdicts.filter((v) => !v.ok).map(failureLine).join('; '));
  for (const e of ok.entries.filter((x) => x.judged)) assert.ok(Math.abs(e.slope! - e.expected!) < 1e-9, `${e.layer} ${e.step} ${e.measure}`);
  const bad = await runCoordCheck(mupOnly, { measure: synthetic(1) });
  assert.equal(bad.ok, false);
  assert.match(failureLine(bad.verdicts[0]), /^coord check failed: mup layer 2 \(output\) step \d: mean \|h_t − h_0\| slope 1\.00 on log width, expected 0\.00/);
});

test('Prometheus: the coord-check verdict per sweep and parametrization', async () => {
  const { Registry } = await import('prom-client');
  const { SweepScienceGauges } = await import('../../workers/telemetry/science.js');
  const { SCIENCE } = await import('../../workers/telemetry/names.js');
  const registry = new Registry();
  const g = new SweepScienceGauges(registry);
  const e = (parametrization: string, ok: boolean) => ({ parametrization, layer: 0, step: 1, measure: 'dh', slope: 0, ci: null, expected: 0, judged: true, ok, widths: [], sizes: [] });
  g.record('sw', { coordCheck: [e('mup', true), e('mup', true), e('bad', true), e('bad', false)] }, Date.now());
  const values = (await registry.getSingleMetric(SCIENCE.coordCheckOk)!.get()).values;
  const of = (p: string) => values.find((v) => v.labels.parametrization === p && v.labels.sweep === 'sw')?.value;
  assert.equal(of('mup'), 1);
  assert.equal(of('bad'), 0);
});
