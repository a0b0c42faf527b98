// analyzeSweep on synthetic sweeps with known answers, and on degenerate sweeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSweep } from '../../core/analysis/analyze.js';
import { trialConfigSchema, type TrialConfigInput } from '../../core/config/trial.js';
import type { MetricMessage } from '../../core/messages.js';
import type { Outcome, TrialRecord } from '../../core/outcome.js';
import { Rng } from '../../core/rng.js';

let n = 0;
function record(axes: Record<string, unknown>, outcome: Outcome, final: TrialRecord['final'], extra: Partial<TrialRecord> = {}, base: Partial<TrialConfigInput> = {}): TrialRecord {
  const id = `t${n++}`;
  const input: Record<string, unknown> = { task: { kind: 'teacher-mlp' }, optimizer: { kind: 'sgd', lr: 0.1 }, ...base };
  const config = trialConfigSchema.parse(input);
  return { id, trialId: id, sweepId: 's', config, axes, outcome, step: final.step, final, backend: 'cpu', lrConvention: 'plain', durationMs: 1, finishedAt: '', ...extra };
}

const lrGrid = [0.01, 0.03, 0.1, 0.3, 1, 3];

test('lr transfer: µP η* flat (transfers), SP η* ∝ 1/N (slope −1, does not transfer), with seed noise', async () => {
  const rng = new Rng(1);
  const trials: TrialRecord[] = [];
  for (const p of ['sp', 'mup']) for (const width of [64, 128, 256, 512, 1024]) for (const lr of lrGrid) for (const seed of [0, 1, 2, 3]) {
    const star = p === 'mup' ? 0.2 : 0.2 * (64 / width);
    const axes = { 'model.parametrization': p, 'model.width': width, 'optimizer.lr': lr, seed };
    if (lr > 8 * star) { trials.push(record(axes, 'diverged', { step: 5 })); continue; }
    const loss = 0.05 * Math.exp(0.4 * Math.log(lr / star) ** 2) * Math.exp(0.01 * rng.normal());
    trials.push(record(axes, 'succeeded', { step: 100, trainLoss: loss }));
  }
  const s = await analyzeSweep(trials, [], { lrTransfer: { bootstrap: 200 } });
  const mup = s.lrTransfer.find((l) => l.group['model.parametrization'] === 'mup')!;
  const sp = s.lrTransfer.find((l) => l.group['model.parametrization'] === 'sp')!;
  assert.ok(Math.abs(mup.slope!) < 0.05, `µP slope ${mup.slope}`);
  assert.equal(mup.verdict, 'transfers');
  assert.ok(mup.transferGap! < 0.01, `µP gap ${mup.transferGap}`);
  for (const o of mup.optimalLr) assert.ok(Math.abs(Math.log10(o.lr / 0.2)) < 0.1, `µP η*(${o.width}) = ${o.lr}`);
  assert.ok(Math.abs(sp.slope! + 1) < 0.1, `SP slope ${sp.slope}`);
  assert.ok(sp.ci && sp.ci[0] <= sp.slope! && sp.slope! <= sp.ci[1]);
  assert.equal(sp.verdict, 'does-not-transfer');
  assert.equal(s.trials.total, trials.length);
  assert.ok(s.trials.diverged > 0);
});

test('scaling law in width recovers the exponent; forgetting exponent; P1 prediction for circle-power-law steps', async () => {
  const rng = new Rng(2);
  const trials: TrialRecord[] = [];
  const metrics: MetricMessage[] = [];
  for (const width of [32, 64, 128, 256, 512, 1024, 2048, 4096]) for (const seed of [0, 1, 2]) {
    const loss = (0.02 + 4 * Math.pow(width, -0.7)) * Math.exp(0.01 * rng.normal());
    const af = 0.3 * Math.pow(width, -0.05) * Math.exp(0.002 * rng.normal());
    const t = record({ 'model.width': width, seed }, 'succeeded', { step: 100, testLoss: loss },
      { continual: { matrix: [[1]], averageAccuracy: 0.7, averageForgetting: af } },
      { task: { kind: 'circle-power-law', q: 1 } as never, model: { width, bias: true } as never });
    trials.push(t);
    for (let st = 10; st <= 1000; st *= 1.5) {
      const stp = Math.round(st);
      metrics.push({ sweepId: 's', trialId: t.id, step: stp, trainLoss: 1, testLoss: (0.01 + 2 * Math.pow(stp, -0.5)) * Math.exp(0.005 * rng.normal()) });
    }
  }
  const s = await analyzeSweep(trials, metrics, { scalingLaws: [{ axis: 'model.width', bootstrap: 100 }, { axis: 'step', window: [0, 1], bootstrap: 50 }], forgetting: { bootstrap: 100 } });
  const w = s.scalingLaws.find((x) => x.axis === 'model.width')!;
  assert.ok(Math.abs(w.exponent! / 0.7 - 1) < 0.03, `width exponent ${w.exponent}`);
  assert.ok(w.ci![0] < 0.7 && 0.7 < w.ci![1], `interval ${w.ci}`);
  assert.ok(w.quality!.r2Log! > 0.99);
  const steps = s.scalingLaws.filter((x) => x.axis === 'step');
  assert.equal(steps.length, 8, 'one time fit per width');
  for (const st of steps) {
    assert.ok(Math.abs(st.exponent! / 0.5 - 1) < 0.05, `time exponent ${st.exponent}`);
    // q = 1 → β = 0.5: lazy χ = 0.5, rich χ = 2β/(1+β) = 2/3
    assert.equal(st.prediction!.beta, 0.5);
    assert.ok(Math.abs(st.prediction!.rich - 2 / 3) < 1e-12);
    assert.equal(st.prediction!.closerTo, 'lazy');
  }
  const f = s.forgetting[0];
  assert.ok(Math.abs(f.exponent! / 0.05 - 1) < 0.03, `forgetting exponent ${f.exponent}`);
  assert.ok(Math.abs(f.perDoubling! - (1 - Math.pow(2, -0.05))) < 0.002);
});

test('super consistency: identical scaled sharpness across widths gives Δ = 0; separating curves do not', async () => {
  const trials: TrialRecord[] = [];
  const metrics: MetricMessage[] = [];
  for (const p of ['mup', 'ntk']) for (const width of [64, 256, 1024]) {
    const t = record({ 'model.parametrization': p, 'model.width': width }, 'succeeded', { step: 200 });
    trials.push(t);
    for (let st = 0; st <= 200; st += 50) {
      const s = p === 'mup' ? 1.9 * (1 - Math.exp(-st / 50)) + 0.1 : (0.1 + st / 200) * (64 / width);
      metrics.push({ sweepId: 's', trialId: t.id, step: st, trainLoss: 1, sharpness: s * 10, sharpnessScaled: s });
    }
  }
  const s = await analyzeSweep(trials, metrics);
  const mup = s.sharpness.find((x) => x.group['model.parametrization'] === 'mup')!;
  const ntk = s.sharpness.find((x) => x.group['model.parametrization'] === 'ntk')!;
  assert.equal(mup.consistency, 0);
  assert.ok(Math.abs(mup.edgeOfStability.widestFinal! - (1.9 * (1 - Math.exp(-4)) + 0.1)) < 1e-12);
  // ntk: s_64 / s_1024 = 16, so Δ_64 = 15 and Δ_256 = 3 at every step: mean 9
  assert.ok(Math.abs(ntk.consistency! - 9) < 1e-9, `ntk Δ ${ntk.consistency}`);
  assert.deepEqual(mup.steps, [0, 50, 100, 150, 200]);
});

test('phase diagram: η* ∝ γ0² at small γ0 and ∝ γ0^(2/L) at large γ0 are recovered', async () => {
  const trials: TrialRecord[] = [];
  const L = 3;
  const lrs = Array.from({ length: 41 }, (_, i) => Number((1e-5 * Math.pow(10, i / 5)).toPrecision(12))); // 1e-5 .. 1e3, 5 per decade
  for (const gamma of [0.03, 0.1, 0.3, 1, 3, 10, 30]) for (const lr of lrs) {
    const star = gamma <= 1 ? 0.1 * gamma ** 2 : 0.1 * gamma ** (2 / L);
    const axes = { 'model.gamma': gamma, 'optimizer.lr': lr, 'model.depth': L };
    if (lr > 4 * star) trials.push(record(axes, 'diverged', { step: 1 }, {}, { model: { depth: L } as never }));
    else trials.push(record(axes, 'succeeded', { step: 100, trainLoss: 0.1 * Math.exp(0.5 * Math.log(lr / star) ** 2) }, {}, { model: { depth: L } as never }));
  }
  const s = await analyzeSweep(trials, []);
  assert.equal(s.phaseDiagram.length, 1);
  const p = s.phaseDiagram[0];
  assert.equal(p.depth, 3);
  assert.ok(Math.abs(p.slopes.etaStar.small.slope! - 2) < 0.05, `small ${p.slopes.etaStar.small.slope}`);
  assert.ok(Math.abs(p.slopes.etaStar.large.slope! - 2 / 3) < 0.05, `large ${p.slopes.etaStar.large.slope}`);
  assert.ok(Math.abs(p.slopes.etaStar.large.expected! - 2 / 3) < 1e-12);
  assert.ok(Math.abs(p.slopes.etaMax.small.slope! - 2) < 0.2, `η_max small ${p.slopes.etaMax.small.slope}`);
});

test('alignment: curves per d with the 1/√d baseline and a collapse spread', async () => {
  const trials: TrialRecord[] = [];
  for (const d of [32, 64]) for (const alpha of [0.5, 1, 2, 4]) {
    const ov = alpha / (1 + alpha);
    trials.push(record({ 'task.inputDim': d, 'giantStep.alpha': alpha }, 'succeeded', { step: 1 }, {
      giantStep: { maxOverlap: [[0.1, 0.1], [ov, 1 / Math.sqrt(d)]], meanOverlap: [[0, 0], [ov / 2, 0]], updateOverlap: [ov, 0], testLoss: 1 - ov, alpha, inputDim: d },
    }));
  }
  const s = await analyzeSweep(trials, []);
  const a = s.alignment[0];
  assert.deepEqual(a.curves.map((c) => c.inputDim), [32, 64]);
  assert.equal(a.curves[0].baseline, 1 / Math.sqrt(32));
  assert.equal(a.curves[1].points[2].maxOverlap[0], 2 / 3);
  assert.equal(a.collapseSpread, 0);
});

test('degenerate sweeps give messages, never a crash', async () => {
  const empty = await analyzeSweep([], []);
  assert.equal(empty.trials.total, 0);
  assert.match(empty.missing.join('\n'), /no finished trials/);

  // one width: no slope, a clear note
  const one = [0.01, 0.1, 1].map((lr) => record({ 'model.width': 64, 'optimizer.lr': lr }, 'succeeded', { step: 1, trainLoss: 1 + Math.abs(Math.log10(lr) + 1) }));
  const s1 = await analyzeSweep(one, [], { lrTransfer: {}, scalingLaws: [{ axis: 'model.width' }] });
  assert.equal(s1.lrTransfer[0].verdict, 'not-enough-data');
  assert.equal(s1.lrTransfer[0].slope, null);
  assert.match(s1.notes.join('\n'), /needs η\* at 2 or more widths/);
  assert.match(s1.notes.join('\n'), /scalingLaws\[model.width\].*needs at least/);

  // all diverged
  const div = [64, 128].flatMap((w) => [0.1, 1].map((lr) => record({ 'model.width': w, 'optimizer.lr': lr }, 'diverged', { step: 2 })));
  const s2 = await analyzeSweep(div, [], { lrTransfer: {}, phaseDiagram: {} });
  assert.equal(s2.trials.diverged, 4);
  assert.match(s2.notes.join('\n'), /width 64: no learning rate with a finite trainLoss \(all diverged or missing\)/);
  assert.match(s2.notes.join('\n'), /phaseDiagram: skipped: the sweep has no axis model.gamma/);

  // NaN losses and failed trials
  const nan = [64, 128, 256].flatMap((w) => [0.01, 0.1, 1].map((lr) => record({ 'model.width': w, 'optimizer.lr': lr }, lr === 1 ? 'failed' : 'succeeded', { step: 1, trainLoss: lr === 0.1 ? NaN : 0.5 })));
  const s3 = await analyzeSweep(nan, [{ sweepId: 's', trialId: 'nope', step: 0, trainLoss: NaN }], { lrTransfer: {}, sharpness: {} });
  assert.match(s3.missing.join('\n'), /3 trial\(s\) failed/);
  assert.ok(JSON.stringify(s3).length > 0);
  assert.match(s3.missing.join('\n'), /no trial has step-scaled sharpness/);

  // a bad analysis section is a one-line config error naming the path
  await assert.rejects(analyzeSweep(one, [], { lrTransfer: { bogus: 1 } } as never), /analysis.lrTransfer.bogus: unknown key/);
  // partial sweep
  const partial = await analyzeSweep(one, [], undefined, undefined, { planned: 10 });
  assert.match(partial.missing.join('\n'), /7 of 10 planned trials have not finished/);
});
