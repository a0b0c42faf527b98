// The bus-message schema refuses each kind of hostile or malformed message with its own reason
// (the label of sweep_messages_rejected_total), one line that never quotes the body; honest
// messages, including null for a non-finite measurement, pass unchanged. Also the rate-limited
// log and the planned-trials check the aggregator uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeBusMessage, MAX_BODY_BYTES, MAX_FIELDS, MAX_TEXT, parseBusMessage, REJECT_REASONS, type RejectReason,
} from '../../core/message-schema.js';
import { eventsSubject, metricsSubject, type BusMessage } from '../../core/messages.js';
import { applyMessage, type TrialSummary } from '../../store/trial-summary.js';
import { RateLimitedLog } from '../../core/rate-limited-log.js';
import { PlannedTrials } from '../../store/planned-trials.js';

const T = '0123456789abcdef';
const S = 'sweep-1';
const enc = new TextEncoder();
const metric = { sweepId: S, trialId: T, step: 3, trainLoss: 0.5 };
const body = (v: unknown) => enc.encode(typeof v === 'string' ? v : JSON.stringify(v));
const junk = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`junk${i}`, i]));

test('honest messages pass, null is the non-finite marker, unknown fields are kept', () => {
  for (const m of [
    metric,
    { ...metric, trainLoss: null, testLoss: null, coord: [1, null, 2], extra: { any: 'thing' } },
    { sweepId: 'nightly-2031-05-05T02:00:00Z', trialId: T, event: 'finished', step: 3, attempt: 2, final: { step: 3, trainLoss: 0.1 } },
  ]) {
    const subject = 'event' in m ? eventsSubject(m.sweepId, m.trialId) : metricsSubject(m.sweepId, m.trialId);
    const d = decodeBusMessage(body(m), subject);
    assert.deepEqual(d.message, m, JSON.stringify(d));
  }
});

/** One case per reason the schema decides (the others need a sweep's plans or a trial's history). */
const cases: Array<[RejectReason, Uint8Array, string]> = [
  // not even valid JSON: the size alone refuses it, before any parsing
  ['too-large', enc.encode(`{"sweepId":"${'x'.repeat(MAX_BODY_BYTES)}`), metricsSubject(S, T)],
  ['not-json', body('{"sweepId":"sweep-1","trialId":"0123'), metricsSubject(S, T)],
  ['not-json', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), metricsSubject(S, T)],
  ['not-object', body('[1,2,3]'), metricsSubject(S, T)],
  ['not-object', body('"NaN"'), metricsSubject(S, T)],
  ['too-many-fields', body({ ...metric, ...junk(MAX_FIELDS) }), metricsSubject(S, T)],
  ['too-many-fields', body({ ...metric, nested: junk(MAX_FIELDS + 1) }), metricsSubject(S, T)],
  ['too-many-fields', body({ ...metric, ['a\nb'.repeat(100)]: junk(MAX_FIELDS + 1) }), metricsSubject(S, T)],
  ['bad-id', body({ ...metric, sweepId: 'a.b' }), metricsSubject('a.b', T)],
  ['bad-id', body({ ...metric, trialId: '>' }), metricsSubject(S, '>')],
  ['bad-id', body({ step: 1, trainLoss: 1 }), metricsSubject(S, T)],
  ['bad-subject', body({ sweepId: S, trialId: T, event: 'finished' }), metricsSubject(S, T)],
  ['bad-subject', body(metric), eventsSubject(S, T)],
  ['id-mismatch', body(metric), metricsSubject(S, 'fedcba9876543210')],
  ['id-mismatch', body({ sweepId: S, trialId: T, event: 'finished' }), eventsSubject('other-sweep', T)],
  ['unknown-event', body({ sweepId: S, trialId: T, event: 'exploded' }), eventsSubject(S, T)],
  ['unknown-event', body({ ...metric, event: 5 }), eventsSubject(S, T)],
  ['bad-number', body({ ...metric, trainLoss: 'NaN' }), metricsSubject(S, T)],
  ['bad-number', body({ ...metric, trainLoss: true }), metricsSubject(S, T)],
  ['bad-number', body({ ...metric, coord: [1, { deep: [1] }] }), metricsSubject(S, T)],
  ['bad-number', body({ ...metric, step: '3' }), metricsSubject(S, T)],
  ['bad-number', body({ ...metric, step: -1 }), metricsSubject(S, T)],
  ['bad-number', body('{"sweepId":"sweep-1","trialId":"0123456789abcdef","step":3,"trainLoss":1e999}'), metricsSubject(S, T)],
  ['bad-field', body({ sweepId: S, trialId: T, event: 'diverged', divergence: 'maybe' }), eventsSubject(S, T)],
  ['bad-field', body({ sweepId: S, trialId: T, event: 'failed', final: 'done' }), eventsSubject(S, T)],
  ['bad-field', body({ ...metric, coord: 'all of them' }), metricsSubject(S, T)],
];

test('each hostile message is refused with its reason and a one-line problem that does not quote it', () => {
  for (const [want, data, subject] of cases) {
    const d = decodeBusMessage(data, subject);
    const what = `${want} on ${subject}: ${new TextDecoder().decode(data.slice(0, 80))}`;
    assert.equal(d.message, undefined, what);
    assert.equal(d.reason, want, `${what} → ${d.reason}: ${d.problem}`);
    assert.ok(REJECT_REASONS.includes(d.reason!), what);
    assert.doesNotMatch(d.problem!, /\n/, what);
    assert.ok(d.problem!.length < 200, `${what}: problem of ${d.problem!.length} characters`);
  }
});

test('the body size is looked at before the body is parsed', () => {
  // JSON.parse of this would take a while and hold a large tree; refusal must not need it
  const big = enc.encode(`[${'[1,'.repeat(200_000)}`);
  const t0 = performance.now();
  assert.equal(decodeBusMessage(big, metricsSubject(S, T)).reason, 'too-large');
  assert.ok(performance.now() - t0 < 50, 'refused from its length alone');
  // and nesting too deep for the parser is not a crash, just not JSON (under the size bound)
  const deep = enc.encode(`${'['.repeat(MAX_BODY_BYTES - 10)}`);
  assert.equal(decodeBusMessage(deep, metricsSubject(S, T)).reason, 'not-json');
});

test('parseBusMessage (IPC) checks the same schema; reasons come from the closed set', () => {
  assert.equal(parseBusMessage({ ...metric, trainLoss: {} }).reason, 'bad-number');
  assert.equal(parseBusMessage(null).reason, 'not-object');
  assert.equal(parseBusMessage(junk(MAX_FIELDS + 1)).reason, 'too-many-fields');
  assert.equal(new Set(REJECT_REASONS).size, REJECT_REASONS.length);
  for (const r of REJECT_REASONS) assert.match(r, /^[a-z-]+$/, 'a Prometheus label value');
});

test('rate-limited log: one line per reason per interval, then how many were not shown', () => {
  let now = 0;
  const lines: string[] = [];
  const log = new RateLimitedLog<string>((l) => lines.push(l), 1000, () => now);
  for (let i = 0; i < 10_000; i++) log.note(i % 2 ? 'not-json' : 'too-large', `line ${i}`);
  assert.deepEqual(lines, ['line 0', 'line 1']);
  now = 1000;
  log.note('not-json', 'later');
  assert.deepEqual(lines.slice(2), ['later (and 4999 more like it since the last line)']);
});

test('planned trials: an unknown trial is refused only by plans loaded after the message was stored', async () => {
  let now = 10_000;
  const plans = new Map<string, Set<string>>([['planned', new Set(['a'])]]);
  const loads: number[] = [];
  const planned = new PlannedTrials(async (sweep) => {
    loads.push(now);
    return plans.get(sweep);
  }, { clockMarginMs: 100, minReloadMs: 10, noPlanMs: 1000, now: () => now });
  assert.equal(await planned.check('planned', 'a', now), 'planned');
  // a round added after the first load: its trial is found by loading again, never refused
  plans.get('planned')!.add('b');
  now += 1;
  const started = Date.now();
  const pendingB = planned.check('planned', 'b', now);
  now += 200; // the fake clock passes the margin while the real wait runs
  assert.equal(await pendingB, 'planned');
  assert.ok(Date.now() - started < 1000);
  // a made-up trial of a message stored before the last load: refused without loading again
  const before = loads.length;
  assert.equal(await planned.check('planned', 'made-up', now - 500), 'unknown-trial');
  assert.equal(loads.length, before, 'decided from the cached plans');
  // a sweep no orchestrator planned: cannot be checked (kept for noPlanMs, then asked again)
  assert.equal(await planned.check('unplanned', 'x', now), 'no-plan');
  assert.equal(await planned.check('unplanned', 'y', now), 'no-plan');
  assert.equal(loads.length, before + 1);
  // concurrent checks of one sweep share one load
  now += 5000;
  const n = loads.length;
  const all = await Promise.all(Array.from({ length: 50 }, (_, i) => planned.check('unplanned', `z${i}`, now - 1000)));
  assert.ok(all.every((m) => m === 'no-plan'));
  assert.equal(loads.length, n + 1);
});

test('a summary is the same bytes whatever order its messages came in (metrics and events are two streams)', () => {
  const msgs: BusMessage[] = [
    { sweepId: S, trialId: T, event: 'started', attempt: 1, backend: 'cpu', time: '2031-01-01T00:00:00Z' },
    { sweepId: S, trialId: T, step: 0, trainLoss: 1, testLoss: 1.1 },
    { sweepId: S, trialId: T, step: 5, trainLoss: 0.5, testLoss: 0.6 },
    { sweepId: S, trialId: T, event: 'finished', attempt: 1, step: 5, final: { step: 5, trainLoss: 0.5 }, durationMs: 3, time: '2031-01-01T00:00:01Z' },
  ];
  const orders = [[0, 1, 2, 3], [1, 2, 0, 3], [0, 3, 1, 2], [2, 1, 0, 3]];
  const bytes = orders.map((o) => JSON.stringify(o.reduce<TrialSummary | undefined>((s, i) => applyMessage(s, msgs[i]), undefined)));
  assert.equal(new Set(bytes).size, 1, bytes.join('\n'));
});

test('a long error is accepted (the body size bounds it) and clipped in the summary', () => {
  const e: BusMessage = { sweepId: S, trialId: T, event: 'failed', error: 'e'.repeat(MAX_TEXT * 4) };
  assert.ok(decodeBusMessage(body(e), eventsSubject(S, T)).message);
  assert.equal(applyMessage(undefined, e).error!.length, MAX_TEXT + 1);
});
