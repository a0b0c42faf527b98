// The runner's judge of one command-trainer attempt (core/protocol/attempt.ts): what each line
// and each way of ending becomes. Property: no line, however hostile, makes it throw, and a
// refused line is quoted as a JSON string of at most 200 characters of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AttemptJudge, QUOTE_CHARS } from '../../core/protocol/attempt.js';

const ids = { sweepId: 's', trialId: '0123456789abcdef' };
const exit = (code: number | null, extra: Partial<{ signal: string; timedOut: boolean; tail: string[] }> = {}) =>
  ({ code, signal: extra.signal ?? null, timedOut: extra.timedOut, tail: extra.tail ?? [], durationMs: 5 });
const judge = (...lines: object[]) => {
  const j = new AttemptJudge(ids.sweepId, ids.trialId, 1);
  for (const l of lines) j.receiveLine(JSON.stringify({ ...ids, ...l }));
  return j;
};

test('finished: succeeded, final merged over the last metric', () => {
  const j = judge({ event: 'started', step: 0, backend: 'torch cpu' }, { step: 0, trainLoss: 2, testLoss: 3 }, { step: 10, trainLoss: 1, metrics: { x: null } },
    { event: 'finished', final: { step: 10, testLoss: 1.5 } });
  const { result, retryable } = j.end(exit(0));
  assert.equal(retryable, false);
  assert.equal(result.outcome, 'succeeded');
  assert.equal(result.backend, 'torch cpu');
  assert.deepEqual(result.final, { step: 10, trainLoss: 1, testLoss: 1.5, minTrainLoss: 1 });
});

test('a null loss is a non-finite divergence at its step, whatever the exit', () => {
  for (const code of [0, 1, null]) {
    const r = judge({ step: 0, trainLoss: 1 }, { step: 5, trainLoss: null }).end(exit(code, { signal: code === null ? 'SIGKILL' : undefined })).result;
    assert.equal(r.outcome, 'diverged');
    assert.equal(r.divergence, 'nonfinite');
    assert.equal(r.step, 5);
  }
  const bound = judge({ step: 0, trainLoss: 1 }, { event: 'diverged', step: 7, divergence: 'bound' }).end(exit(0)).result;
  assert.deepEqual([bound.outcome, bound.divergence, bound.step], ['diverged', 'bound', 7]);
});

test('the first final event decides; a later one or a later null loss changes nothing', () => {
  const r = judge({ step: 0, trainLoss: 1 }, { event: 'finished', final: { step: 0 } }, { step: 5, trainLoss: null }, { event: 'failed', error: 'x' }).end(exit(0)).result;
  assert.equal(r.outcome, 'succeeded');
});

test('exit codes without a final event', () => {
  const none = judge({ step: 0, trainLoss: 1 });
  assert.match(none.end(exit(0)).result.error!, /exited with code 0 without a final event/);
  assert.equal(none.end(exit(0)).retryable, false);
  assert.equal(judge().end(exit(2)).retryable, false);
  const crash = judge().end(exit(1, { tail: ['a', 'b', 'Killed'] }));
  assert.equal(crash.retryable, true);
  assert.equal(crash.result.error, 'the trainer crashed (exit code 1); last output: a | b | Killed');
  assert.equal(judge().end(exit(null, { signal: 'SIGKILL' })).result.error, 'the trainer crashed (signal SIGKILL)');
  const missing = judge().end({ ...exit(null), startError: '"python4" (ENOENT) in /work' });
  assert.deepEqual([missing.retryable, missing.result.error], [false, 'could not start the trainer: "python4" (ENOENT) in /work']);
  const hung = judge().end(exit(143, { timedOut: true }));
  assert.equal(hung.retryable, false);
  assert.match(hung.result.error!, /within trainer\.timeoutSeconds/);
});

test('refused messages: schema, other trials, events a trainer does not send', () => {
  const cases: [object, RegExp][] = [
    [{ ...ids, step: -1, trainLoss: 1 }, /malformed message \(step: must be a non-negative integer\)/],
    [{ ...ids, step: 1, trainLoss: 1, coord: 3 }, /malformed message \(coord: /],
    [{ ...ids, step: 1, trainLoss: 1, metrics: { a: 'x' } }, /malformed message \(metrics\.a: /],
    [{ sweepId: 's', trialId: 'ffffffffffffffff', step: 1, trainLoss: 1 }, /a message of another trial \(s\/ffffffffffffffff/],
    [{ ...ids, event: 'cancelled' }, /event cancelled, which a trainer does not send/],
  ];
  for (const [m, re] of cases) {
    const j = new AttemptJudge(ids.sweepId, ids.trialId, 1);
    const line = JSON.stringify(m);
    const r = j.receiveLine(line);
    assert.ok(r.violation, line);
    assert.match(r.violation, re);
    assert.ok(r.violation.endsWith(JSON.stringify(line)), r.violation);
    // a finished event after a refused line does not rescue the attempt
    j.receiveLine(JSON.stringify({ ...ids, event: 'finished', final: { step: 1 } }));
    const end = j.end(exit(0));
    assert.equal(end.result.outcome, 'failed');
    assert.equal(end.retryable, false);
  }
});

test('property: any line is judged without throwing; a refused one is quoted, cut to 200 characters', () => {
  fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 600 }), fc.json(), fc.jsonValue().map((v) => JSON.stringify(v))), (line) => {
    const j = new AttemptJudge(ids.sweepId, ids.trialId, 1);
    const r = j.receiveLine(line);
    if (r.message) return;
    const quoted = r.violation.slice(r.violation.lastIndexOf(': "') + 2);
    const back = JSON.parse(quoted) as string;
    assert.ok(back.length <= QUOTE_CHARS + 1);
    assert.ok(line.startsWith(back.endsWith('…') && line.length > QUOTE_CHARS ? back.slice(0, -1) : back));
    assert.equal(j.end(exit(0)).result.outcome, 'failed');
  }), { numRuns: 500 });
});
