// The scheduler on its own, no server: a driver plays the runner (asks the search when told,
// supplies pages, starts what is handed out, ends trials in an order fast-check picks) and the
// tests assert the invariants both runners rely on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { trialConfigSchema } from '../../core/config/trial.js';
import { trialId } from '../../core/ids.js';
import type { TrialRecord } from '../../core/outcome.js';
import { Scheduler } from '../../core/scheduler/scheduler.js';
import { FixedPlanStrategy } from '../../core/grid/strategy.js';
import { LrDescentStrategy } from '../../core/search/lr-descent.js';
import { LrRefineStrategy } from '../../core/search/lr-refine.js';
import type { SearchState, SearchStrategy, TrialPlan } from '../../core/search/strategy.js';

const logspace = (a: number, b: number, n: number) => Array.from({ length: n }, (_, i) => Number((a * Math.pow(b / a, i / (n - 1))).toPrecision(12)));

function plans(widths: number[], lrs: number[], seeds: number[]): TrialPlan[] {
  const out: TrialPlan[] = [];
  for (const width of widths) for (const lr of lrs) for (const seed of seeds) {
    const config = trialConfigSchema.parse({ seed, task: { kind: 'teacher-mlp' }, model: { width }, optimizer: { kind: 'sgd', lr } });
    out.push({ id: trialId(config), config, axes: { 'model.width': width, 'optimizer.lr': lr, seed } });
  }
  return out;
}

type Landscape = (p: TrialPlan) => Pick<TrialRecord, 'outcome' | 'final' | 'step' | 'divergence'>;

/** Diverges above η_max = 2/width; loss a bowl around η* = 0.2/width. */
const bowl: Landscape = (p) => {
  const lr = p.axes['optimizer.lr'] as number;
  const width = p.axes['model.width'] as number;
  if (lr > 2 / width) return { outcome: 'diverged', step: 3, final: { step: 3, trainLoss: Infinity } };
  const loss = 0.1 * Math.exp(0.5 * Math.log(lr * width / 0.2) ** 2) * (1 + 0.001 * (p.config.seed as number));
  return { outcome: 'succeeded', step: 100, final: { step: 100, trainLoss: loss } };
};

interface DriveOptions {
  window: number;
  pageSize: number;
  /** which trial in flight ends next (cycled) */
  picks: number[];
  /** snapshot, JSON round trip and restore before these iterations */
  restoreAt?: number[];
}

interface Driven {
  /** rounds asked, starts and ends, in order */
  log: string[];
  handedOut: Map<string, number>;
  state: SearchState;
  scheduler: Scheduler;
  /** most trials in flight at once */
  peak: number;
}

/** Plays the runner: the planning step dedupes like the planning activity and stores pages. */
function drive(strategy: SearchStrategy, landscape: Landscape, o: DriveOptions): Driven {
  const state: SearchState = { planned: [], finished: {} };
  const rounds: TrialPlan[][] = [];
  let s = new Scheduler();
  const log: string[] = [];
  const handedOut = new Map<string, number>();
  const running: TrialPlan[] = [];
  let peak = 0;
  let k = 0;
  for (let iter = 0; ; iter++) {
    assert.ok(iter < 100_000, 'the driver did not finish');
    if (o.restoreAt?.includes(iter)) s = Scheduler.restore(JSON.parse(JSON.stringify(s.snapshot())));
    if (s.needsRound) {
      const r = s.askRound();
      const step = strategy.step(state);
      const known = new Set(state.planned.map((p) => p.id));
      const next = step.next.filter((p) => !known.has(p.id));
      state.planned.push(...next);
      rounds[r] = next;
      s.addRound({ round: r, count: next.length, pageSize: o.pageSize, done: step.done });
      log.push(`round ${r}: ${next.length}${s.stuck ? ' stuck' : ''}`);
      continue;
    }
    const page = s.needsPage;
    if (page !== undefined && s.inFlightCount < o.window) {
      s.supply(page, rounds[s.roundNumber].slice(page * o.pageSize, (page + 1) * o.pageSize));
      continue;
    }
    for (const p of s.next(o.window)) {
      handedOut.set(p.id, (handedOut.get(p.id) ?? 0) + 1);
      running.push(p);
      log.push(`start ${p.id}`);
    }
    assert.equal(s.inFlightCount, running.length, 'the scheduler counts what is in flight');
    assert.ok(s.inFlightCount <= o.window, `${s.inFlightCount} in flight, window ${o.window}`);
    peak = Math.max(peak, running.length);
    if (s.done) break;
    assert.ok(running.length, 'not done, nothing in flight and nothing asked for');
    const [p] = running.splice(o.picks[k++ % o.picks.length] % running.length, 1);
    state.finished[p.id] = landscape(p);
    assert.equal(s.onDone({ trialId: p.id, outcome: state.finished[p.id].outcome }), true);
    assert.equal(s.onDone({ trialId: p.id, outcome: state.finished[p.id].outcome }), false, 'a second report is not counted');
    log.push(`end ${p.id}`);
  }
  return { log, handedOut, state, scheduler: s, peak };
}

/** The strategy driven the simplest way: run everything proposed, then ask again. */
function reference(strategy: SearchStrategy, landscape: Landscape): Set<string> {
  const state: SearchState = { planned: [], finished: {} };
  for (;;) {
    const s = strategy.step(state);
    state.planned.push(...s.next);
    for (const p of s.next) state.finished[p.id] = landscape(p);
    if (s.done || !s.next.length) return new Set(state.planned.map((p) => p.id));
  }
}

/** Invariants of a finished drive. */
function checkDone(d: Driven, strategy: SearchStrategy) {
  for (const p of d.state.planned) assert.equal(d.handedOut.get(p.id), 1, `trial ${p.id} handed out once`);
  assert.equal(d.handedOut.size, d.state.planned.length);
  assert.ok(d.state.planned.every((p) => d.state.finished[p.id]), 'done only when every planned trial ended');
  const s = d.scheduler;
  assert.equal(s.finished, d.state.planned.length);
  assert.equal(s.started, d.state.planned.length);
  assert.equal(s.planned, d.state.planned.length);
  assert.equal(s.needsRound, false);
  assert.equal(s.hasMore, false);
  if (!s.stuck) {
    const more = strategy.step(d.state);
    assert.equal(more.next.length, 0, 'the strategy has nothing more');
  }
}

const grid = plans([8, 16, 32], logspace(1e-3, 10, 9), [0, 1]);
const strategies: Record<string, () => SearchStrategy> = {
  grid: () => new FixedPlanStrategy('grid', grid),
  'lr-descent': () => new LrDescentStrategy({ lr: 'optimizer.lr', decades: 1 }, grid),
  'lr-refine': () => new LrRefineStrategy({ lr: 'optimizer.lr', width: 0.1, maxRounds: 3, perRound: 2 }, grid),
};

const driveArb = fc.record({
  window: fc.integer({ min: 1, max: 12 }),
  pageSize: fc.integer({ min: 1, max: 20 }),
  picks: fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 30 }),
});

for (const [kind, make] of Object.entries(strategies)) {
  test(`${kind}: each planned trial handed out once, never more than the window in flight, done when nothing is left; the same trials as running round by round`, () => {
    const expected = reference(make(), bowl);
    fc.assert(fc.property(driveArb, (o) => {
      const strategy = make();
      const d = drive(strategy, bowl, o);
      checkDone(d, strategy);
      assert.deepEqual(new Set(d.handedOut.keys()), expected);
      assert.equal(d.scheduler.stuck, false);
    }), { numRuns: 40 });
  });
}

test('snapshot → restore → continue hands out the same sequence as an uninterrupted run', () => {
  fc.assert(fc.property(driveArb, fc.array(fc.nat({ max: 400 }), { minLength: 1, maxLength: 5 }), fc.constantFrom(...Object.keys(strategies)), (o, restoreAt, kind) => {
    const straight = drive(strategies[kind](), bowl, o);
    const restored = drive(strategies[kind](), bowl, { ...o, restoreAt });
    assert.deepEqual(restored.log, straight.log);
    assert.deepEqual(restored.scheduler.snapshot(), straight.scheduler.snapshot());
  }), { numRuns: 40 });
});

test('lr-descent: rounds follow the results; nothing above the first stable lr but the top-down steps, nothing more than a decade below it', () => {
  const d = drive(strategies['lr-descent'](), bowl, { window: 4, pageSize: 3, picks: [0] });
  assert.ok(d.log.filter((l) => l.startsWith('round')).length > 2, 'adaptive: several rounds');
  for (const width of [8, 16, 32]) {
    const mine = d.state.planned.filter((p) => p.axes['model.width'] === width).map((p) => p.axes['optimizer.lr'] as number);
    const stable = Math.max(...mine.filter((lr) => lr <= 2 / width));
    assert.equal(Math.max(...mine), 10, 'starts at the top');
    for (const lr of mine) assert.ok(lr >= stable / 10 * (1 - 1e-9), `width ${width}: lr ${lr} within a decade of ${stable}`);
  }
});

test('lr-refine: refinement rounds start only once every earlier trial ended', () => {
  const d = drive(strategies['lr-refine'](), bowl, { window: 5, pageSize: 7, picks: [3, 1, 4, 1, 5] });
  let running = 0;
  for (const line of d.log) {
    if (line.startsWith('start')) running++;
    else if (line.startsWith('end')) running--;
    else if (line !== 'round 0: 54' && !line.endsWith(': 0')) assert.equal(running, 0, `${line} asked with ${running} in flight`);
  }
  assert.ok(d.state.planned.length > grid.length, 'refinement added trials');
});

test('a search that proposes nothing with nothing in flight, not done, is stuck and the sweep ends', () => {
  const two = grid.slice(0, 2);
  const stuckStrategy: SearchStrategy = { kind: 'stuck', step: (st) => (st.planned.length ? { next: [], done: false } : { next: two, done: false }) };
  const d = drive(stuckStrategy, bowl, { window: 2, pageSize: 2, picks: [0] });
  assert.equal(d.scheduler.stuck, true);
  assert.equal(d.scheduler.done, true);
  assert.equal(d.scheduler.searchDone, true);
  assert.deepEqual(d.log.filter((l) => l.startsWith('round')), ['round 0: 2', 'round 1: 0', 'round 2: 0 stuck']);
  checkDone(d, stuckStrategy);
});

test('an empty round while trials are in flight is not stuck: the search is asked again after the next end', () => {
  const s = new Scheduler();
  assert.equal(s.askRound(), 0);
  s.addRound({ round: 0, count: 2, pageSize: 2, done: false });
  s.supply(0, grid.slice(0, 2));
  assert.equal(s.next(5).length, 2);
  s.onDone({ trialId: grid[0].id, outcome: 'succeeded' });
  assert.equal(s.needsRound, true);
  assert.equal(s.askRound(), 1);
  assert.equal(s.needsRound, false, 'not while asking');
  s.addRound({ round: 1, count: 0, pageSize: 2, done: false });
  assert.equal(s.stuck, false);
  assert.equal(s.needsRound, false, 'nothing ended since the ask');
  s.onDone({ trialId: grid[1].id, outcome: 'diverged' });
  assert.equal(s.needsRound, true);
  assert.deepEqual(s.counts, { succeeded: 1, diverged: 1, failed: 0, cancelled: 0 });
});

test('misuse is an error: a round not asked for, a page without the next trial', () => {
  const s = new Scheduler();
  assert.throws(() => s.addRound({ round: 0, count: 1, pageSize: 1, done: true }));
  s.askRound();
  assert.throws(() => s.addRound({ round: 3, count: 1, pageSize: 1, done: true }));
  s.addRound({ round: 0, count: 3, pageSize: 2, done: true });
  assert.equal(s.needsPage, 0);
  assert.throws(() => s.supply(0, []));
  assert.throws(() => s.supply(1, grid.slice(0, 1)));
  assert.throws(() => s.askRound());
  s.supply(0, grid.slice(0, 2));
  assert.equal(s.next(1).length, 1);
  assert.equal(s.next(3, 0).length, 0, 'max 0 hands out nothing');
  assert.equal(s.next(3).length, 1, 'up to the end of the page');
  assert.equal(s.needsPage, 1);
});

test('the snapshot is plain JSON of the fields a workflow run carries', () => {
  const s = new Scheduler();
  s.askRound();
  s.addRound({ round: 0, count: 3, pageSize: 2, done: true });
  s.supply(0, grid.slice(0, 2));
  s.next(2);
  s.onDone({ trialId: grid[0].id, outcome: 'failed' });
  const snap = s.snapshot();
  assert.deepEqual(JSON.parse(JSON.stringify(snap)), snap);
  assert.deepEqual(Object.keys(snap).sort(), ['counts', 'finishedAtAsk', 'inFlight', 'next', 'plannedBefore', 'round', 'started']);
  assert.deepEqual(snap.inFlight, [grid[1].id]);
  const r = Scheduler.restore(snap);
  assert.equal(r.needsPage, 1, 'a restored scheduler asks for the page again');
  assert.equal(r.inFlightCount, 1);
  assert.equal(r.finished, 1);
});
