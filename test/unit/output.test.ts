// The output folder: JSONL lines survive interruption, and reopening a folder leaves each
// finished trial exactly once with only its own metric lines.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonlAppender, readJsonl } from '../../core/output/jsonl.js';
import { OutputFolderError, SweepOutput } from '../../core/output/folder.js';
import type { TrialRecord } from '../../core/outcome.js';

const root = mkdtempSync(join(tmpdir(), 'sweep-output-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `d${n++}`);

const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

function rec(id: string, outcome: TrialRecord['outcome']): TrialRecord {
  return {
    id, trialId: id, sweepId: 's', outcome, step: 10, final: { step: 10, trainLoss: 0.5 }, backend: 'cpu', lrConvention: 'plain',
    durationMs: 1, config: {} as TrialRecord['config'], axes: {}, finishedAt: '2024-01-01T00:00:00.000Z',
  };
}
const metric = (trialId: string, step: number) => ({ sweepId: 's', trialId, step, trainLoss: 1 / (step + 1) });

test('JsonlAppender writes one complete line per value; readJsonl skips a torn tail', async () => {
  const dir = freshDir();
  const out = await SweepOutput.open(dir, { name: 's' }); // creates the folder
  await out.output.close();
  const path = join(dir, 'x.jsonl');
  const w = new JsonlAppender(path);
  w.append({ a: 1 });
  w.append({ b: 'two\nlines' });
  w.close();
  appendFileSync(path, '{"c": 3');
  let torn = '';
  const got: unknown[] = [];
  for await (const l of readJsonl(path, (raw) => (torn = raw))) got.push(l.value);
  assert.deepEqual(got, [{ a: 1 }, { b: 'two\nlines' }]);
  assert.equal(torn, '{"c": 3');
  // a missing file has no lines
  const none: unknown[] = [];
  for await (const l of readJsonl(join(dir, 'missing.jsonl'))) none.push(l);
  assert.deepEqual(none, []);
});

test('reopening drops duplicates, cancelled records, torn lines and orphan metrics', async () => {
  const dir = freshDir();
  await (await SweepOutput.open(dir, { name: 's' })).output.close();
  const trials = join(dir, 'trials.jsonl');
  const metrics = join(dir, 'metrics.jsonl');
  writeFileSync(trials, [rec('a', 'succeeded'), rec('b', 'diverged'), rec('a', 'failed'), rec('c', 'cancelled')].map((r) => JSON.stringify(r)).join('\n') + '\n{"id":"d","outc');
  writeFileSync(metrics, [metric('a', 0), metric('x', 0), metric('b', 0), metric('a', 5), metric('c', 0)].map((m) => JSON.stringify(m)).join('\n') + '\nnot json\n{"trialId":"b","st');
  const { output, cleanup } = await SweepOutput.open(dir, { name: 's' });
  assert.deepEqual([...output.finished.keys()], ['a', 'b']);
  assert.equal(output.finished.get('a')!.outcome, 'succeeded', 'the first record of a trial wins');
  assert.deepEqual(cleanup, { records: 3, metricLines: 4 });
  await output.close();
  assert.deepEqual(lines(trials).map((r) => [r.id, r.outcome]), [['a', 'succeeded'], ['b', 'diverged']]);
  assert.deepEqual(lines(metrics).map((m) => `${m.trialId}:${m.step}`), ['a:0', 'b:0', 'a:5']);
  // a clean folder is left untouched
  const again = await SweepOutput.open(dir, { name: 's' });
  assert.deepEqual(again.cleanup, { records: 0, metricLines: 0 });
  await again.output.close();
});

test('closing removes metric lines of trials that never got a record (Ctrl-C)', async () => {
  const dir = freshDir();
  const { output } = await SweepOutput.open(dir, { name: 's' });
  output.writeMetric(metric('done', 0));
  output.writeMetric(metric('stopped', 0));
  output.writeMetric(metric('done', 1));
  output.writeRecord(rec('done', 'succeeded'));
  output.writeMetric(metric('stopped', 1));
  await output.close();
  assert.deepEqual(lines(join(dir, 'metrics.jsonl')).map((m) => `${m.trialId}:${m.step}`), ['done:0', 'done:1']);
  assert.deepEqual(lines(join(dir, 'trials.jsonl')).map((r) => r.id), ['done']);
});

test('retryFailed forgets failed trials and their metrics', async () => {
  const dir = freshDir();
  const { output } = await SweepOutput.open(dir, { name: 's' });
  output.writeMetric(metric('ok', 0));
  output.writeRecord(rec('ok', 'succeeded'));
  output.writeMetric(metric('bad', 0));
  output.writeRecord(rec('bad', 'failed'));
  assert.deepEqual(output.counts(), { succeeded: 1, diverged: 0, failed: 1, cancelled: 0 });
  await output.close();
  const kept = await SweepOutput.open(dir, { name: 's' });
  assert.equal(kept.output.finished.size, 2);
  await kept.output.close();
  const retry = await SweepOutput.open(dir, { name: 's', retryFailed: true });
  assert.deepEqual([...retry.output.finished.keys()], ['ok']);
  await retry.output.close();
  assert.deepEqual(lines(join(dir, 'metrics.jsonl')).map((m) => m.trialId), ['ok']);
});

test('a folder of another sweep is refused', async () => {
  const dir = freshDir();
  const { output } = await SweepOutput.open(dir, { name: 'first' });
  await output.writeJson('spec', { name: 'first' });
  await output.close();
  await assert.rejects(SweepOutput.open(dir, { name: 'second' }), (err: unknown) => {
    assert.ok(err instanceof OutputFolderError);
    assert.equal(err.message, `${dir} holds sweep "first", not "second"; choose another --out`);
    return true;
  });
});
