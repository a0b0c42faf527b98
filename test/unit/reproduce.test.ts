// The results-page generator's pure parts: check rules, sections rendered from a fixture
// summary (every number and verdict comes from it), and the page's block splicing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Summary } from '../../core/analysis/summary.js';
import { ConfigError } from '../../core/config/errors.js';
import type { TrialRecord } from '../../core/outcome.js';
import { applyRule, fmt, runCheck } from '../../scripts/reproduce/checks.js';
import { parseExpectation, type Expectation } from '../../scripts/reproduce/expectations.js';
import { assemblePage, PageError } from '../../scripts/reproduce/page.js';
import { placeholderSection, renderSection, stabilityRule } from '../../scripts/reproduce/section.js';
import { costPhrase, setupLines, wallSeconds, type RunSpec } from '../../scripts/reproduce/setup.js';
import { renderIntervals } from '../../scripts/reproduce/intervals.js';
import { parseDuration, recordedRun, renderPreflightCost } from '../../scripts/reproduce/preflight-cost.js';

const describe = (g: Record<string, unknown>) => Object.entries(g).map(([k, v]) => `${k}=${String(v)}`).join(', ') || 'all trials';
const boot = { method: 'jackknife-t' as const, replicates: 4, usable: 4, level: 0.95, seeds: 4 };

function fixture(richExponent: number, sharpnessSlope = -1.9): Summary {
  const fit = (gamma: number, exponent: number) => ({
    group: { 'model.gamma': gamma, 'model.width': 1024 }, axis: 'step', metric: 'testLoss', exponent, ci: [exponent - 0.02, exponent + 0.02] as [number, number],
    offset: 0.001, amplitude: 1, quality: { r2Log: 0.999, rmsLog: 0.01, n: 10, loss: 'soft_l1' }, bootstrap: boot, points: [], curve: [],
    prediction: { source: 'P1', beta: 0.5, capacity: 2, lazy: 0.5, rich: 2 / 3, closerTo: 'rich' as const },
  });
  return {
    version: 1, sweepId: 'fixture', lrConvention: ['plain (docs/science.md §1): lr = η0'], axes: ['model.gamma', 'model.width', 'seed'],
    trials: { succeeded: 3, diverged: 1, failed: 0, cancelled: 0, total: 4 },
    lrTransfer: [{
      group: { 'model.parametrization': 'mup' }, over: 'model.width', lr: 'optimizer.lr', metric: 'trainLoss',
      optimalLr: [{ width: 128, lr: 1.44, loss: 0.02, method: 'quadratic', bracket: [1, 2], seeds: 4 }, { width: 256, lr: 1.53, loss: 0.02, method: 'quadratic', bracket: [1, 2], seeds: 4 }],
      curves: [], slope: 0.087, ci: [-0.05, 0.15], bootstrap: boot, transferGap: 0.01, verdict: 'transfers', threshold: 0.2, verdictReason: 'the interval lies within ±0.2',
    }],
    scalingLaws: [fit(0.1, 0.47), fit(1, richExponent)],
    sharpness: [],
    phaseDiagram: [{
      group: {}, gammaAxis: 'model.gamma', lrAxis: 'optimizer.lr', depth: 3, stability: 'bound', etaMaxSlopesByRule: {}, points: [],
      perGamma: [{ gamma: 0.1, etaMax: 0.316, etaMaxBracket: [0.316, 0.562], etaMaxByRule: {}, unclassified: 0, etaStar: 0.147, lossStar: 0.026 }],
      slopes: { etaStar: { small: { slope: 2.0, n: 4, expected: 2 }, large: { slope: 0.68, n: 5, expected: 2 / 3 } }, etaMax: { small: { slope: 1.5, n: 4, expected: 2 }, large: { slope: 0.55, n: 5, expected: 2 / 3 } } },
      sharpnessSlopes: { small: { slope: sharpnessSlope, n: 4, expected: -2 }, large: { slope: -1.3, n: 5, expected: -2 / 3 } },
    }],
    forgetting: [], alignment: [], notes: [], missing: [],
  };
}

const expectation: Expectation = parseExpectation(`
title: Fixture
paper: P1 (arXiv 2409.17858)
question: Does the fixture agree?
checks:
  - { name: rich time exponent, analysis: scalingLaws, axis: step, quantity: exponent, group: { model.gamma: 1 }, expect: { near: rich, relTol: 0.15 } }
  - { name: µP transfers, analysis: lrTransfer, quantity: verdict, group: { model.parametrization: mup }, expect: { equals: transfers } }
  - { name: initial sharpness slope, analysis: phaseDiagram, quantity: sharpnessSlopeSmall, expect: { near: summary, relTol: 0.1 } }
  - { name: no such group, analysis: lrTransfer, quantity: slope, group: { model.parametrization: sp }, expect: { near: -1, relTol: 0.5 } }
`, 'fixture.expect.yaml');

const spec: RunSpec = {
  name: 'fixture', base: { task: { kind: 'circle-power-law', q: 1 }, model: { depth: 2, bias: true }, train: { steps: 30000, batchSize: 128 } },
  axes: [{ path: 'model.gamma', values: [0.1, 1], kind: 'list' }, { path: 'model.width', values: [1024], kind: 'list' }, { path: 'seed', values: [0, 1], kind: 'list' }],
  search: { kind: 'grid' }, analysis: { phaseDiagram: { gamma: 'model.gamma' } },
};
const trials = [
  { finishedAt: '2026-12-01T10:00:10.000Z', durationMs: 10_000 },
  { finishedAt: '2026-12-01T10:01:30.000Z', durationMs: 60_000 },
] as TrialRecord[];
const facts = { specFile: 'examples/fixture.yaml', gridTrials: 4, parallel: 1, cpus: 2, commit: 'abc1234' };

test('near: the expected value inside the interval, or within the relative tolerance, agrees', () => {
  const rule = { near: 2, relTol: 0.1 };
  assert.equal(applyRule(rule, 1.5, [1.4, 2.1], 2), 'agrees'); // inside the interval, far from the point
  assert.equal(applyRule(rule, 1.85, [1.8, 1.9], 2), 'agrees'); // within 10%
  assert.equal(applyRule(rule, 1.75, [1.7, 1.8], 2), 'disagrees');
  assert.equal(applyRule(rule, 1.75, null, 2), 'disagrees');
  assert.equal(applyRule(rule, null, null, 2), 'not measured');
  assert.equal(applyRule({ near: 0, relTol: 0.5, absTol: 0.05 }, 0.04, null, 0), 'agrees');
  assert.equal(applyRule({ atMost: 0.25 }, 0.17, null, 0.25), 'agrees');
  assert.equal(applyRule({ atMost: 0.25 }, 0.37, null, 0.25), 'disagrees');
  assert.equal(applyRule({ atLeast: 0 }, -0.1, null, 0), 'disagrees');
  assert.equal(applyRule({ equals: 'transfers' }, 'inconclusive', null, 'transfers'), 'disagrees');
});

test('the expected value comes from the prediction the summary carries', () => {
  const r = runCheck(fixture(0.6), expectation.checks[0], describe);
  assert.equal(r.expected, 2 / 3);
  assert.equal(r.measured, 0.6);
  assert.equal(r.verdict, 'agrees'); // |0.6 − 0.667| = 0.067 ≤ 0.15 · 0.667
  assert.equal(runCheck(fixture(0.4), expectation.checks[0], describe).verdict, 'disagrees');
  const missing = runCheck(fixture(0.6), expectation.checks[3], describe);
  assert.equal(missing.verdict, 'not measured');
  assert.match(missing.problem ?? '', /no lrTransfer entry/);
});

test('a section is rendered from the summary: its numbers, its verdicts, the setup from the spec', () => {
  const agree = renderSection({ name: 'fixture', expect: expectation, summary: fixture(0.6), spec, trials, facts, plots: [{ path: 'results/x.svg', caption: 'x' }] });
  assert.ok(agree.startsWith('<!-- example:fixture -->') && agree.endsWith('<!-- /example:fixture -->'));
  assert.match(agree, /\| rich time exponent \| model\.gamma=1, model\.width=1024 \| 0\.667 \| 0\.6 \| \[0\.58, 0\.62\] \| .* \| \*\*agrees\*\* \|/);
  assert.match(agree, /\| µP transfers \| .* \| transfers \| transfers \| n\/a \| .* \| \*\*agrees\*\* \|/);
  assert.match(agree, /3 of 4 checks agree with the expectation\./);
  assert.match(agree, /Not measured: no such group/);
  assert.match(agree, /steps 30000, batchSize 128/);
  assert.match(agree, /`model\.gamma`: 2 values \(0\.1, 1\)/);
  assert.match(agree, /Seeds: 2\./);
  assert.match(agree, /wall time 1 min 30 s \(1 worker on 2 CPUs\)/);
  assert.match(agree, /!\[x\]\(results\/x\.svg\)/);
  assert.doesNotMatch(agree, /SCIENCE\.md/);
  // a different summary gives a different verdict: nothing in the section is fixed text
  const disagree = renderSection({ name: 'fixture', expect: expectation, summary: fixture(0.4, -1.5), spec, trials, facts, plots: [] });
  assert.match(disagree, /\| rich time exponent \| .* \| 0\.4 \| .* \*\*disagrees\*\* \|/);
  assert.match(disagree, /Disagrees: rich time exponent — measured 0\.4 \[0\.38, 0\.42\]/);
  assert.match(disagree, /Disagrees: initial sharpness slope — measured -1\.5/);
  assert.match(disagree, /1 of 4 checks agrees with the expectation\./);
});

test('the η_max rule is stated from the run: the default bound, or P3\'s finite rule', () => {
  assert.match(stabilityRule(spec) ?? '', /below 1e6 × the initial loss \(stability rule `bound`/);
  const finite: RunSpec = { ...spec, base: { ...spec.base, train: { divergenceFactor: 0 } }, analysis: { phaseDiagram: { stability: 'finite' } } };
  assert.match(stabilityRule(finite) ?? '', /finite loss over the whole run \(stability rule `finite`.*divergenceFactor: 0/);
  assert.equal(stabilityRule({ ...spec, analysis: {} }), null);
});

test('regenerating one example replaces its block only; removed examples are dropped', () => {
  const block = (n: string, body: string) => `<!-- example:${n} -->\n${body}\n<!-- /example:${n} -->`;
  const placeholder = (n: string) => block(n, 'not yet');
  const first = assemblePage(null, new Map([['a', block('a', 'A1')]]), ['a', 'b'], placeholder);
  assert.match(first, /A1[\s\S]*example:b -->\nnot yet/);
  const old = first.replace('<!-- /example:b -->', '<!-- /example:b -->\n\n' + block('gone', 'G'));
  const second = assemblePage(old.replace('not yet', 'B1'), new Map([['a', block('a', 'A2')]]), ['a', 'b'], placeholder);
  assert.match(second, /A2/);
  assert.match(second, /B1/);
  assert.doesNotMatch(second, /A1|example:gone/);
  assert.throws(() => assemblePage(first + block('a', 'again'), new Map(), ['a', 'b'], placeholder), PageError);
  assert.ok(placeholderSection('a', expectation).includes('npm run reproduce a'));
});

test('an expectation file is checked by path, every problem at once', () => {
  assert.throws(() => parseExpectation(`
title: T
paper: P
question: Q
checks:
  - { name: c, analysis: lrTransfer, quantity: exponent, expect: { near: 1, relTol: 0.1 } }
  - { name: d, analysis: scalingLaws, quantity: exponent, expect: { near: 1 } }
`, 'x.expect.yaml'), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    const joined = e.problems.join('\n');
    assert.match(joined, /checks\[0\]\.quantity: must be one of verdict, slope/);
    assert.match(joined, /checks\[1\]/);
    return true;
  });
});

test('wall time runs from the first start to the last end; numbers are formatted compactly', () => {
  assert.equal(wallSeconds(trials), 90);
  assert.equal(wallSeconds([]), null);
  assert.equal(fmt(1e6), '1e6');
  assert.equal(fmt(0.000001), '1e-6');
  assert.equal(fmt(0.6823), '0.682');
  assert.equal(fmt(null), 'n/a');
});

test('the intervals block: one row per simulated coverage, as measured, inside its markers', () => {
  const block = renderIntervals([
    { statistic: 'power-law exponent', seeds: 2, draws: 600, rate: 0.948, meanWidth: 0.416, method: 'jackknife-t' },
    { statistic: 'lr-transfer slope', seeds: 8, draws: 3000, rate: 0.9463, meanWidth: 0.1161, method: 'jackknife-t' },
  ]);
  assert.ok(block.startsWith('<!-- example:intervals -->') && block.endsWith('<!-- /example:intervals -->'));
  assert.match(block, /\| power-law exponent \| 2 \| jackknife-t \| 600 \| 94\.8% \| 0\.416 \|/);
  assert.match(block, /\| lr-transfer slope \| 8 \| jackknife-t \| 3000 \| 94\.6% \| 0\.116 \|/);
  const page = assemblePage(null, new Map([['intervals', block]]), ['intervals'], () => '');
  assert.ok(page.includes(block));
});

test('an expectation\'s reading is words only: numbers are refused (paper tags allowed), and it is printed after the verdicts', () => {
  const base = 'title: T\npaper: P4 (arXiv 2403.06398)\nquestion: Q?\nchecks:\n  - { name: c, analysis: forgetting, quantity: exponent, expect: { atLeast: 0 } }\n';
  assert.throws(() => parseExpectation(`${base}reading: the exponent is 0.01 here\n`, 'x.expect.yaml'), (e: unknown) => e instanceof ConfigError && /reading: must not contain numbers/.test(e.message));
  const ok = parseExpectation(`${base}reading: wider networks forget less than in P4, as muP predicts\n`, 'x.expect.yaml');
  assert.equal(ok.reading, 'wider networks forget less than in P4, as muP predicts');
});

test('the preflight\'s cost: the coord check\'s wall time as a share of the sweep\'s, said in one phrase', () => {
  assert.equal(costPhrase(6.2, 22 * 60 + 14), 'coord check 6.2 s = 0.46% of the 22 min 14 s sweep');
  assert.equal(costPhrase(0.35, 3.6), 'coord check 0.35 s = 9.7% of the 3.6 s sweep');
  assert.equal(costPhrase(0.35, null), 'coord check 0.35 s; the sweep\'s wall time is not recorded');
  assert.equal(costPhrase(null, 10), 'coord check time not measured');
  // a section generated from a run with preflight.json states it beside the run's wall time (90 s)
  const lines = setupLines(spec, trials, fixture(0.6).trials, { ...facts, preflight: { seconds: 4.5, skipped: false, ok: true } });
  assert.ok(lines.includes('Preflight: coord check 4.5 s = 5% of the 1 min 30 s sweep; passed.'), lines.join('\n'));
  assert.ok(setupLines(spec, trials, fixture(0.6).trials, { ...facts, preflight: null }).some((l) => /^Preflight: none recorded/.test(l)));
  assert.ok(setupLines(spec, trials, fixture(0.6).trials, { ...facts, preflight: { seconds: null, skipped: true, ok: true } }).some((l) => /^Preflight: skipped/.test(l)));
  assert.ok(!setupLines(spec, trials, fixture(0.6).trials, facts).some((l) => l.startsWith('Preflight')), 'not read: not stated');
});

test('a section\'s recorded run is read back from the lines it was generated with', () => {
  for (const [text, seconds] of [['3.6 s', 3.6], ['0.39 s', 0.39], ['9 min 52 s', 592], ['22 min 14 s', 1334], ['n/a', null]] as const) {
    assert.equal(parseDuration(text), seconds, text);
  }
  const block = renderSection({ name: 'fixture', expect: expectation, summary: fixture(0.6), spec, trials, facts, plots: [] });
  assert.deepEqual(recordedRun(block), { specFile: 'examples/fixture.yaml', wallSeconds: 90, commit: 'abc1234' });
  const bare = renderSection({ name: 'fixture', expect: expectation, summary: fixture(0.6), spec, trials, facts: { ...facts, parallel: null, cpus: null, commit: null }, plots: [] });
  assert.deepEqual(recordedRun(bare), { specFile: 'examples/fixture.yaml', wallSeconds: 90, commit: null });
  assert.deepEqual(recordedRun(placeholderSection('fixture', expectation)), { specFile: null, wallSeconds: null, commit: null });
  // the machine's load is stated with the run, and the wall time still reads back
  const loaded = renderSection({ name: 'fixture', expect: expectation, summary: fixture(0.6), spec, trials, facts: { ...facts, load: 23.84 }, plots: [] });
  assert.match(loaded, /wall time 1 min 30 s \(1 worker on 2 CPUs, load average 24\)/);
  assert.equal(recordedRun(loaded).wallSeconds, 90);
});

test('the preflight-cost block: one line per example with its numbers and where they come from', () => {
  const block = renderPreflightCost([
    { name: 'quickstart', specFile: 'examples/quickstart.yaml', preflightSeconds: 0.35, sweepSeconds: 3.6, source: { kind: 'same run', commit: 'abc1234', load: 1.5 } },
    { name: 'lr-transfer', specFile: 'examples/lr-transfer.yaml', preflightSeconds: 5.2, sweepSeconds: 1334, source: { kind: 'apart', sweepCommit: '475c29e', checkCommit: 'def5678' } },
    { name: 'new', specFile: 'examples/new.yaml', preflightSeconds: 1, sweepSeconds: null, source: { kind: 'apart', sweepCommit: null, checkCommit: 'def5678' }, problem: 'no recorded run' },
  ], 2);
  assert.ok(block.startsWith('<!-- example:preflight-cost -->') && block.endsWith('<!-- /example:preflight-cost -->'));
  assert.match(block, /^- quickstart \(\[`examples\/quickstart\.yaml`\]\(\.\.\/examples\/quickstart\.yaml\)\): coord check 0\.35 s = 9\.7% of the 3\.6 s sweep; both from one run .*`abc1234`, load average 1\.5\)/m);
  assert.match(block, /^- lr-transfer .*: coord check 5\.2 s = 0\.39% of the 22 min 14 s sweep; the sweep's wall time from its recorded run above \(commit `475c29e`, load not recorded\).*measured apart .*`def5678`/m);
  assert.match(block, /^- new .*: coord check 1 s; the sweep's wall time is not recorded \(no recorded run\)/m);
  assert.match(block, /2 CPUs/);
  const page = assemblePage(null, new Map([['preflight-cost', block]]), ['preflight-cost'], () => '');
  assert.ok(page.includes(block));
});
