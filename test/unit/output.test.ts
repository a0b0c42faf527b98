// The output folder: JSONL lines survive interruption, and reopening a folder leaves each
// finished trial exactly once with only its own metric lines.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonlAppender, readJsonl } from '../../core/output/jsonl.js';
import { OutputFolderError, SweepOutput, tornTrialId } from '../../core/output/folder.js';
import { analyzeFolder } from '../../core/analysis/folder.js';
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
  const dir = await folderOf('s', []);
  const trials = join(dir, 'trials.jsonl');
  const metrics = join(dir, 'metrics.jsonl');
  writeFileSync(trials, [rec('a', 'succeeded'), rec('b', 'diverged'), rec('a', 'failed'), rec('c', 'cancelled')].map((r) => JSON.stringify(r)).join('\n') + '\n{"id":"d","outc');
  writeFileSync(metrics, [metric('a', 0), metric('x', 0), metric('b', 0), metric('a', 5), metric('c', 0)].map((m) => JSON.stringify(m)).join('\n') + '\nnot json\n{"sweepId":"s","trialId":"x","st');
  const { output, cleanup } = await SweepOutput.open(dir, { name: 's' });
  assert.deepEqual([...output.finished.keys()], ['a', 'b']);
  assert.equal(output.finished.get('a')!.outcome, 'succeeded', 'the first record of a trial wins');
  assert.deepEqual(cleanup, { records: 3, metricLines: 4, rerun: [] });
  await output.close();
  assert.deepEqual(lines(trials).map((r) => [r.id, r.outcome]), [['a', 'succeeded'], ['b', 'diverged']]);
  assert.deepEqual(lines(metrics).map((m) => `${m.trialId}:${m.step}`), ['a:0', 'b:0', 'a:5']);
  // a clean folder is left untouched
  const again = await SweepOutput.open(dir, { name: 's' });
  assert.deepEqual(again.cleanup, { records: 0, metricLines: 0, rerun: [] });
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

/** A folder of sweep `name` with finished trials `ids` (one metric line each) and its spec.json. */
async function folderOf(name: string, ids: string[]): Promise<string> {
  const dir = freshDir();
  const { output } = await SweepOutput.open(dir, { name });
  await output.writeJson('spec', { name });
  for (const id of ids) {
    output.writeMetric({ ...metric(id, 0), sweepId: name });
    output.writeRecord({ ...rec(id, 'succeeded'), sweepId: name });
  }
  await output.close();
  return dir;
}

test('without a valid spec.json the records name the owner: another sweep is refused, the owner goes on', async () => {
  for (const damage of ['deleted', 'corrupt', 'non-string name'] as const) {
    const dir = await folderOf('first', ['a', 'b']);
    const spec = join(dir, 'spec.json');
    if (damage === 'deleted') unlinkSync(spec);
    else writeFileSync(spec, damage === 'corrupt' ? '{"name": "fir' : '{"name": ["first"]}');
    const what = damage === 'deleted' ? 'no spec.json' : 'a spec.json that is not valid';
    await assert.rejects(SweepOutput.open(dir, { name: 'second' }), (err: unknown) => {
      assert.ok(err instanceof OutputFolderError);
      assert.equal(err.message, `${dir} holds 2 trial record(s), some of sweep "first", and ${what}, so it cannot be shown to be "second"'s; choose another --out (or move trials.jsonl and metrics.jsonl out of it to start afresh)`);
      return true;
    });
    // nothing was touched by the refusal
    assert.deepEqual(lines(join(dir, 'trials.jsonl')).map((r) => r.id), ['a', 'b']);
    const { output, cleanup } = await SweepOutput.open(dir, { name: 'first' });
    assert.deepEqual([...output.finished.keys()], ['a', 'b'], `${damage}: the owner keeps its trials`);
    assert.equal(cleanup.adopted, `${dir} had ${what}; its 2 trial record(s) are sweep "first"'s (their sweepId), so the folder is kept and spec.json written again`);
    await output.close();
  }
  // records without a sweep name cannot show an owner either
  const dir = freshDir();
  mkdirSync(dir);
  writeFileSync(join(dir, 'trials.jsonl'), `${JSON.stringify({ ...rec('a', 'succeeded'), sweepId: undefined })}\n`);
  await assert.rejects(SweepOutput.open(dir, { name: 'first' }), /some without a sweep name, and no spec\.json/);
  // a cluster report folder: records carry the cluster sweep id, accepted when given
  const cl = await folderOf('name', []);
  unlinkSync(join(cl, 'spec.json'));
  writeFileSync(join(cl, 'trials.jsonl'), `${JSON.stringify({ ...rec('a', 'succeeded'), sweepId: 'name-20260101t000000z-abcd' })}\n`);
  await assert.rejects(SweepOutput.open(cl, { name: 'name' }), OutputFolderError);
  const ok = await SweepOutput.open(cl, { name: 'name', sweepId: 'name-20260101t000000z-abcd' });
  assert.equal(ok.output.finished.size, 1);
  await ok.output.close();
});

test('a torn last metric line of a finished trial: that trial runs again (its metrics were incomplete)', async () => {
  const dir = await folderOf('s', ['a', 'b']);
  appendFileSync(join(dir, 'metrics.jsonl'), JSON.stringify(metric('b', 10)).slice(0, 30));
  assert.equal(tornTrialId(JSON.stringify(metric('b', 10)).slice(0, 30)), 'b');
  const { output, cleanup } = await SweepOutput.open(dir, { name: 's' });
  assert.deepEqual(cleanup.rerun, ['b']);
  assert.deepEqual([...output.finished.keys()], ['a']);
  await output.close();
  assert.deepEqual(lines(join(dir, 'trials.jsonl')).map((r) => r.id), ['a']);
  assert.deepEqual(lines(join(dir, 'metrics.jsonl')).map((m) => m.trialId), ['a'], 'b\'s partial metrics are gone, to be written again');
});

test('sweep analyze says in summary.json notes whose torn metric line it skipped', async () => {
  const dir = await folderOf('s', ['a']);
  const metrics = join(dir, 'metrics.jsonl');
  const clean = readFileSync(metrics);
  appendFileSync(metrics, JSON.stringify(metric('a', 10)).slice(0, 30));
  const r1 = await analyzeFolder(dir, { noReport: true });
  assert.ok(r1.summary.notes.includes('metrics.jsonl ends with a torn line of finished trial a (succeeded): its metrics are incomplete; the next `sweep run` of this folder runs it again'), r1.summary.notes.join('\n'));
  writeFileSync(metrics, Buffer.concat([clean, Buffer.from(JSON.stringify(metric('z', 10)).slice(0, 30))]));
  const r2 = await analyzeFolder(dir, { noReport: true });
  assert.ok(r2.summary.notes.includes('metrics.jsonl ends with a torn line of trial z, which has not finished (skipped; the next run reruns that trial)'), r2.summary.notes.join('\n'));
  assert.ok(!existsSync(join(dir, 'sweep.lock')), 'analyze released its lock');
});

test('a rewrite that fails for lack of space (a real EFBIG under ulimit -f) leaves the original intact and no temporary file', () => {
  const dir = freshDir();
  mkdirSync(dir);
  const metrics = join(dir, 'metrics.jsonl');
  // one finished trial with ~300 kB of metric lines, and one orphan line that forces a rewrite
  writeFileSync(join(dir, 'spec.json'), '{"name":"s"}\n');
  writeFileSync(join(dir, 'trials.jsonl'), `${JSON.stringify(rec('a', 'succeeded'))}\n`);
  const body = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ ...metric('a', i), pad: 'x'.repeat(80) })).join('\n');
  writeFileSync(metrics, `${JSON.stringify(metric('orphan', 0))}\n${body}\n`);
  const before = readFileSync(metrics);
  const folder = new URL('../../core/output/folder.js', import.meta.url).href;
  const code = `import { SweepOutput } from ${JSON.stringify(folder)};
    try { await SweepOutput.open(${JSON.stringify(dir)}, { name: 's' }); console.log('opened'); }
    catch (e) { console.log(e.constructor.name, e.cause?.code); }`;
  // 100 blocks is far below the file's size: the temp file's writes fail with EFBIG
  const r = spawnSync('sh', ['-c', 'trap "" XFSZ; ulimit -f 100; exec "$0" --input-type=module -e "$1"', process.execPath, code], { encoding: 'utf8' });
  assert.equal(r.stdout.trim(), 'RewriteError EFBIG', r.stderr);
  assert.deepEqual(readFileSync(metrics), before, 'metrics.jsonl unchanged');
  assert.deepEqual(readdirSync(dir).sort(), ['metrics.jsonl', 'spec.json', 'trials.jsonl'], 'no metrics.jsonl.tmp-<pid> left');
  // with room again the same open succeeds and drops only the orphan
  return SweepOutput.open(dir, { name: 's' }).then(async ({ output, cleanup }) => {
    assert.equal(cleanup.metricLines, 1);
    await output.close();
    assert.equal(lines(metrics).length, 3000);
  });
});

test('a folder two runs wrote at once (every trial and metric line twice) is repaired on resume', async () => {
  const dir = await folderOf('s', []);
  const trials = join(dir, 'trials.jsonl');
  const metrics = join(dir, 'metrics.jsonl');
  // what two racing runs left: interleaved copies of the same lines, and each record twice
  writeFileSync(metrics, [metric('a', 0), metric('a', 0), metric('b', 0), metric('a', 10), metric('b', 0), metric('a', 10), metric('b', 10), metric('b', 10)].map((m) => JSON.stringify(m)).join('\n') + '\n');
  writeFileSync(trials, [rec('a', 'succeeded'), rec('a', 'succeeded'), rec('b', 'succeeded'), rec('b', 'succeeded')].map((r) => JSON.stringify(r)).join('\n') + '\n');
  const { output, cleanup } = await SweepOutput.open(dir, { name: 's' });
  assert.deepEqual(cleanup, { records: 2, metricLines: 4, rerun: [] });
  await output.close();
  assert.deepEqual(lines(trials).map((r) => r.id), ['a', 'b']);
  assert.deepEqual(lines(metrics).map((m) => `${m.trialId}:${m.step}`), ['a:0', 'b:0', 'a:10', 'b:10']);
});
