// The aggregator's per-trial summary and the result read back from events: applying messages
// is idempotent and order-independent (redeliveries and retried trainers never double-count),
// and a newer attempt's outcome wins over an older one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMessage, messageProblem, type TrialSummary } from '../../store/trial-summary.js';
import { resultFromEvents } from '../../store/trial-result.js';
import type { BusMessage, TrialEvent } from '../../core/messages.js';

const T = '0123456789abcdef';
const metric = (step: number, trainLoss = 1 / (step + 1)): BusMessage => ({ sweepId: 's', trialId: T, step, trainLoss });
const event = (e: TrialEvent['event'], attempt: number, step = 0, extra: Partial<TrialEvent> = {}): TrialEvent => ({ sweepId: 's', trialId: T, event: e, attempt, step, ...extra });

function fold(msgs: BusMessage[]): TrialSummary | undefined {
  let s: TrialSummary | undefined;
  for (const m of msgs) s = applyMessage(s, m);
  return s;
}

/** Deterministic shuffle (mulberry32), so a failure can be reproduced. */
function shuffle<T>(xs: T[], seed: number): T[] {
  const out = [...xs];
  let a = seed;
  const rnd = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

test('redelivered and re-run messages, in any order, give the summary of the clean run', () => {
  const clean: BusMessage[] = [event('started', 1), ...[0, 10, 20, 30, 40].map((s) => metric(s)), event('finished', 1, 40, { final: { step: 40, trainLoss: 1 / 41 } })];
  const expected = fold(clean)!;
  assert.equal(expected.metrics, 5);
  assert.deepEqual(expected.steps, [0, 10, 20, 30, 40]);
  assert.equal(expected.status, 'succeeded');
  assert.equal(expected.latest?.step, 40);
  assert.equal(expected.minTrainLoss, 1 / 41);
  for (let seed = 1; seed <= 50; seed++) {
    // every message once more (redelivery), some a third time, metrics before the started event
    const noisy = shuffle([...clean, ...clean, ...clean.slice(1, 4)], seed);
    const got = fold(noisy)!;
    assert.deepEqual(got, expected, `seed ${seed}`);
  }
});

test('an older attempt never overrides a newer one; a retried trial ends with its last outcome', () => {
  const s = fold([event('started', 1), metric(0), event('failed', 1, 0, { error: 'boom' }), event('started', 2), metric(0), metric(10), event('finished', 2, 10, { final: { step: 10 } })])!;
  assert.equal(s.status, 'succeeded');
  assert.equal(s.error, undefined);
  assert.equal(s.attempt, 2);
  const late = applyMessage(s, event('failed', 1, 0, { error: 'boom' }));
  assert.deepEqual(late, s, 'attempt 1 delivered again after attempt 2 finished');
  const restarted = applyMessage(s, event('started', 2));
  assert.equal(restarted.status, 'succeeded', 'a redelivered started event does not reopen the trial');
});

test('messageProblem names what is missing', () => {
  assert.equal(messageProblem({ sweepId: 's', trialId: T, step: 3, trainLoss: 1 }), undefined);
  assert.equal(messageProblem({ sweepId: 's', trialId: T, event: 'started' }), undefined);
  assert.equal(messageProblem([]), 'not a JSON object');
  assert.equal(messageProblem({ trialId: T, step: 1 }), 'sweepId: missing');
  assert.equal(messageProblem({ sweepId: 's', step: 1 }), 'trialId: missing');
  assert.equal(messageProblem({ sweepId: 's', trialId: T, step: -1 }), 'step: must be a non-negative integer');
});

test('resultFromEvents: the terminal event of the latest attempt, backend and convention from its start', () => {
  const events: TrialEvent[] = [
    event('started', 1, 0, { backend: 'wasm', lrConvention: 'plain' }),
    event('failed', 1, 3, { error: 'device lost', final: { step: 3 } }),
    event('diverged', 2, 7, { final: { step: 7 }, durationMs: 12, time: '2026-01-01T00:00:00.000Z' }),
  ];
  const r = resultFromEvents(T, events)!;
  assert.equal(r.outcome, 'diverged');
  assert.equal(r.step, 7);
  assert.equal(r.attempt, 2);
  assert.equal(r.error, undefined);
  assert.equal(r.backend, 'wasm');
  assert.equal(r.lrConvention, 'plain');
  assert.equal(r.durationMs, 12);
  assert.equal(resultFromEvents(T, [event('started', 1)]), undefined, 'no outcome yet');
  assert.equal(resultFromEvents(T, []), undefined);
});

test('resultFromEvents: a diverged trial keeps why it diverged (cluster records say it like embedded ones)', () => {
  const r = resultFromEvents(T, [event('started', 1), event('diverged', 1, 4, { divergence: 'nonfinite', final: { step: 4 } })])!;
  assert.equal(r.divergence, 'nonfinite');
  assert.equal(resultFromEvents(T, [event('started', 1), event('finished', 1, 9)])!.divergence, undefined);
});
