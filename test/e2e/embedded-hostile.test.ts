// The embedded pool checks every report of its worker processes: a stand-in worker sends the
// honest messages of its trial mixed with hostile ones (another trial's ids, NaN strings, a
// repeated or backwards step, junk that is not a report, a flood of fields), and one trial
// reports a result for another trial. The output folder must equal that of a clean stand-in
// worker, byte for byte (but the finish times), with every drop counted by reason.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSpec } from '../../core/config/spec.js';
import type { RejectReason } from '../../core/message-schema.js';
import { runSweep } from '../../workers/embedded/runner.js';
import { LineProgress } from '../../workers/embedded/progress.js';
import { checkFolder, tinySpec } from './embedded-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'sweep-e2e-hostile-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A stand-in worker: honest messages of its trial (steps 0, 10, 20, 30), and hostile ones when asked. */
function worker(hostile: boolean): string {
  const entry = join(tmp, `worker-${hostile ? 'hostile' : 'clean'}.mjs`);
  writeFileSync(entry, `
const hostile = ${hostile};
process.on('disconnect', () => process.exit(0));
process.on('message', ({ job }) => {
  const ids = { sweepId: job.sweepId, trialId: job.trialId };
  const send = (m) => process.send({ type: 'bus', message: m });
  const junk = () => {
    if (!hostile) return;
    send({ ...ids, trialId: 'ffffffffffffffff', step: 0, trainLoss: 9 });
    send({ ...ids, sweepId: 'another-sweep', event: 'finished', step: 30 });
    send({ ...ids, step: 40, trainLoss: 'NaN' });
    send({ ...ids, step: 40, trainLoss: 1, nested: Object.fromEntries(Array.from({ length: 100 }, (_, i) => ['k' + i, i])) });
    send({ ...ids, event: 'exploded' });
    send([1, 2, 3]);
    process.send({ type: 'gossip', text: 'not a report' });
    process.send('plain text');
  };
  send({ ...ids, event: 'started', backend: 'stand-in', lrConvention: 'plain' });
  for (const step of [0, 10, 20, 30]) {
    junk();
    send({ ...ids, step, trainLoss: 1 / (1 + step + job.config.seed) });
    if (hostile && step > 0) send({ ...ids, step: step - 10, trainLoss: 42 }); // backwards
    if (hostile) send({ ...ids, step, trainLoss: 43 }); // repeated
  }
  const result = { trialId: job.trialId, outcome: 'succeeded', step: 30, final: { step: 30, trainLoss: 1 / (31 + job.config.seed) },
    backend: 'stand-in', lrConvention: 'plain', durationMs: 1 };
  process.send({ type: 'result', result: hostile ? { ...result, trialId: 'ffffffffffffffff' } : result });
});
`);
  return entry;
}

async function run(name: string, hostile: boolean): Promise<{ metrics: string; trials: unknown[]; rejected: Map<RejectReason, number>; log: string[] }> {
  const out = join(tmp, name);
  const log: string[] = [];
  const rejected = new Map<RejectReason, number>();
  const hooks = { messageRejected: (r: RejectReason) => rejected.set(r, (rejected.get(r) ?? 0) + 1) };
  const result = await runSweep(parseSpec(tinySpec('e2e-hostile', { grid: 'seed: [0, 1, 2]' })), {
    // the stand-in speaks the one-trial request only, so its trials do not pack
    out, parallel: 2, progress: new LineProgress((l) => log.push(l)), workerEntry: worker(hostile), hooks, pack: 'off',
  });
  assert.equal(result.interrupted, false);
  const { trials } = checkFolder(out);
  const timeless = trials.map(({ finishedAt, ...t }) => (assert.ok(finishedAt), t)).sort((a, b) => a.id.localeCompare(b.id));
  return { metrics: readFileSync(join(out, 'metrics.jsonl'), 'utf8').split('\n').sort().join('\n'), trials: timeless, rejected, log };
}

test('hostile worker reports are dropped and counted; the trials\' metrics are those of a clean run', { timeout: 120_000 }, async () => {
  const clean = await run('clean', false);
  const attacked = await run('attacked', true);
  assert.equal(clean.rejected.size, 0);
  assert.equal(attacked.metrics, clean.metrics, 'metrics.jsonl: the same lines');
  // the result naming another trial cannot be recorded: the trial failed, saying why
  for (const t of attacked.trials as Array<{ outcome: string; error?: string }>) {
    assert.equal(t.outcome, 'failed');
    assert.equal(t.error, 'the worker reported a malformed result (result: trialId differs from the trial the worker runs)');
  }
  assert.deepEqual((clean.trials as Array<{ outcome: string }>).map((t) => t.outcome), ['succeeded', 'succeeded', 'succeeded']);
  // per trial: 4 rounds of junk (2 id-mismatch, 1 bad-number, 1 too-many-fields, 1 unknown-event,
  // 1 not-object, 2 not a report), 3 backwards and 4 repeated steps, 1 result of another trial
  const per: Partial<Record<RejectReason, number>> = {
    'id-mismatch': 4 * 2 + 1, 'bad-number': 4, 'too-many-fields': 4, 'unknown-event': 4, 'not-object': 4, 'bad-field': 4 * 2, 'step-not-increasing': 3 + 4,
  };
  assert.deepEqual(Object.fromEntries([...attacked.rejected].sort()), Object.fromEntries(Object.entries(per).map(([r, n]) => [r, 3 * n!]).sort()));
  // one note per reason per 10 s, never the message itself
  const notes = attacked.log.filter((l) => l.startsWith('note: dropped'));
  assert.ok(notes.length <= Object.keys(per).length, notes.join('\n'));
  for (const n of notes) assert.doesNotMatch(n, /k99|"NaN"|not a report"/);
});
