// Trial packing in the embedded runner, through the real `sweep run`: packed trials keep their
// own ids, outcomes and metrics (equal to the same sweep unpacked, within PACK_TOLERANCE), a
// width axis splits packs, `--pack 1` is `off`, a worker SIGKILLed mid-pack costs only the
// pack's unfinished trials (run again, no metric written twice), and Ctrl-C then a resume
// runs only the members that had not finished.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACK_TOLERANCE } from '../../core/train/packed/tolerance.js';
import { parseSpec } from '../../core/config/spec.js';
import type { RejectReason } from '../../core/message-schema.js';
import { runSweep } from '../../workers/embedded/runner.js';
import { LineProgress } from '../../workers/embedded/progress.js';
import { alive, checkFolder, childPids, jsonl, killAll, runCli, startCli, tinySpec, waitFor, type Rec } from './embedded-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'sweep-e2e-pack-'));
const stray: number[] = [];
after(() => {
  killAll(stray);
  rmSync(tmp, { recursive: true, force: true });
});

const LR_SEED = 'optimizer.lr: [0.05, 0.1]\nseed: [0, 1, 2]';

function spec(name: string, opts: { steps?: number; grid?: string } = {}): string {
  const path = join(tmp, `${name}.yaml`);
  writeFileSync(path, tinySpec(name, { grid: LR_SEED, ...opts }));
  return path;
}

/** Equal JSON values, numbers within PACK_TOLERANCE (relative to the larger magnitude, at least 1). */
function assertClose(a: unknown, b: unknown, at: string): void {
  if (typeof a === 'number' && typeof b === 'number') {
    assert.ok(Math.abs(a - b) <= PACK_TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b)), `${at}: ${a} vs ${b}`);
  } else if (Array.isArray(a) && Array.isArray(b)) {
    assert.equal(a.length, b.length, `${at}: length`);
    a.forEach((v, i) => assertClose(v, b[i], `${at}[${i}]`));
  } else if (a && b && typeof a === 'object' && typeof b === 'object') {
    assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort(), `${at}: keys`);
    for (const k of Object.keys(a)) assertClose((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`);
  } else {
    assert.deepEqual(a, b, at);
  }
}

type Line = Record<string, unknown>;
/** Records by id without what differs run to run (finish time, duration, attempt), and metrics by trial and step. */
function results(dir: string): { trials: Map<string, Line>; metrics: Map<string, Line> } {
  checkFolder(dir);
  const trials = new Map<string, Line>();
  for (const { finishedAt: _f, durationMs: _d, attempt: _a, ...rec } of jsonl<Line>(join(dir, 'trials.jsonl'))) trials.set(rec.id as string, rec);
  const metrics = new Map<string, Line>();
  for (const m of jsonl<Line>(join(dir, 'metrics.jsonl'))) metrics.set(`${m.trialId as string}@${m.step as number}`, m);
  return { trials, metrics };
}

function assertSameResults(dir: string, reference: string): void {
  const a = results(dir), b = results(reference);
  assert.deepEqual([...a.trials.keys()].sort(), [...b.trials.keys()].sort(), 'the same trial ids');
  for (const [id, rec] of a.trials) assertClose(rec, b.trials.get(id), `trial ${id}`);
  assert.deepEqual([...a.metrics.keys()].sort(), [...b.metrics.keys()].sort(), 'the same (trial, step) metric lines');
  for (const [k, m] of a.metrics) assertClose(m, b.metrics.get(k), `metric ${k}`);
}

// Packed members train together and finish together, unless one leaves the pack early: the
// fault tests give a third of the members a learning rate that diverges within a few steps, so
// a finished (diverged) member is on record while the others still train.
const DIVERGING = 'optimizer.lr: [0.05, 0.1, 10000]\nseed: [0, 1]';
const LONG = 4000;
/** The fault sweeps' outcomes: the lr 10000 members diverged, the others succeeded. */
function expectedOutcome(t: Rec): string {
  return (t as Rec & { config: { optimizer: { lr: number } } }).config.optimizer.lr === 10000 ? 'diverged' : 'succeeded';
}

const startLine = (stdout: string) => stdout.split('\n').find((l) => l.startsWith('sweep '))!;

test('pack auto records what pack off does; --pack 1 is off', { timeout: 300_000 }, async () => {
  const file = spec('e2e-pack');
  const off = join(tmp, 'off'), auto = join(tmp, 'auto'), one = join(tmp, 'one');
  const r0 = await runCli(['run', file, '--out', off, '--pack', 'off', '--parallel', '2']);
  assert.equal(r0.code, 0, r0.stderr);
  const r1 = await runCli(['run', file, '--out', auto, '--parallel', '2']);
  assert.equal(r1.code, 0, r1.stderr);
  const r2 = await runCli(['run', file, '--out', one, '--pack', '1', '--parallel', '2']);
  assert.equal(r2.code, 0, r2.stderr);

  assert.equal(startLine(r0.stdout), `sweep e2e-pack: 6 trials, 2 workers, output ${off}`);
  // auto: one pack per worker
  assert.equal(startLine(r1.stdout), `sweep e2e-pack: 6 trials, in 2 packs of 3 trials, 2 workers, output ${auto}`);
  assert.equal(startLine(r2.stdout), `sweep e2e-pack: 6 trials, 2 workers, output ${one}`);
  // the progress counts trials, not packs
  assert.equal(r1.stdout.split('\n').filter((l) => /^\[\s*\d\/6\]/.test(l)).length, 6);
  assert.match(r1.stdout, /6 trials done \(6 succeeded, 0 diverged, 0 failed; 6 run now\)/);

  assertSameResults(auto, off);
  assertSameResults(one, off);
});

test('a width axis splits the packs: one per width, with as many workers as widths', { timeout: 300_000 }, async () => {
  const file = spec('e2e-pack-mixed', { grid: 'model.width: [8, 16]\noptimizer.lr: [0.05, 0.1, 0.2]' });
  const out = join(tmp, 'mixed');
  const r = await runCli(['run', file, '--out', out, '--parallel', '2']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(startLine(r.stdout), `sweep e2e-pack-mixed: 6 trials, in 2 packs of 3 trials, 2 workers, output ${out}`);
  const { trials } = checkFolder(out);
  assert.equal(trials.length, 6);
  assert.ok(trials.every((t) => t.outcome === expectedOutcome(t)), JSON.stringify(trials.map((t) => [t.outcome, t.error])));
});

test('--pack with a bad value: one line naming it, exit 2, nothing written', { timeout: 60_000 }, async () => {
  const file = spec('e2e-pack-bad');
  for (const bad of ['0', 'many', '2.5', '-1']) {
    const out = join(tmp, `bad-${bad}`);
    const r = await runCli(['run', file, '--out', out, '--pack', bad]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.trim(), `sweep: --pack: must be auto, off or a whole number >= 1, got "${bad}"`);
    assert.deepEqual(jsonl(join(out, 'trials.jsonl')), []);
  }
});

test('a worker SIGKILLed mid-pack: finished members keep their records, the rest run again once, no metric twice', { timeout: 400_000 }, async () => {
  const file = spec('e2e-pack-kill', { steps: LONG, grid: DIVERGING });
  const out = join(tmp, 'kill');
  const run = startCli(['run', file, '--out', out, '--parallel', '1']);
  const pid = run.child.pid!;
  stray.push(pid);
  const recorded = () => jsonl<Rec>(join(out, 'trials.jsonl'));
  await waitFor(() => recorded().length >= 1, 240_000, 'a finished member');
  // the next member under way, so the kill lands mid-trial
  await waitFor(() => jsonl<{ trialId: string }>(join(out, 'metrics.jsonl')).some((m) => !recorded().some((t) => t.id === m.trialId)), 60_000, 'a member in progress');
  const [worker] = childPids(pid);
  assert.ok(worker, 'the worker process');
  const before = recorded();
  process.kill(worker, 'SIGKILL');
  const timer = setTimeout(() => killAll([pid]), 300_000);
  const { code } = await run.exited;
  clearTimeout(timer);
  assert.equal(code, 0, run.stderr());
  assert.ok(!alive(worker));

  const left = 6 - before.length;
  assert.ok(before.length >= 1 && left >= 1, `${before.length} finished before the kill`);
  assert.match(run.stdout(), new RegExp(`note: a worker died running a pack of 6 trials; its (\\d+) unfinished trials? run again \\(attempt 2\\)`));
  const rerun = Number(/its (\d+) unfinished/.exec(run.stdout())![1]);
  const { trials } = checkFolder(out); // each trial once, no (trial, step) twice
  assert.equal(trials.length, 6);
  assert.ok(trials.every((t) => t.outcome === expectedOutcome(t)), JSON.stringify(trials.map((t) => [t.outcome, t.error])));
  // the members recorded before the kill are untouched; only the unfinished ones ran again
  assert.deepEqual(trials.slice(0, before.length), before);
  assert.ok(before.every((t) => (t as Rec & { attempt: number }).attempt === 1));
  const again = trials.slice(before.length) as (Rec & { attempt: number })[];
  assert.ok(rerun <= left && again.filter((t) => t.attempt === 2).length === rerun, `${rerun} run again of ${left} left`);

  // and the folder holds what an undisturbed run records
  const clean = join(tmp, 'kill-clean');
  const r = await runCli(['run', file, '--out', clean, '--pack', 'off', '--parallel', '2']);
  assert.equal(r.code, 0, r.stderr);
  assertSameResults(out, clean);
});

test('Ctrl-C mid-pack records the finished members; the resume runs the others as a smaller pack', { timeout: 400_000 }, async () => {
  const file = spec('e2e-pack-int', { steps: LONG, grid: DIVERGING });
  const out = join(tmp, 'int');
  const run = startCli(['run', file, '--out', out, '--parallel', '1'], { group: true });
  const pid = run.child.pid!;
  stray.push(pid);
  const recorded = () => jsonl<Rec>(join(out, 'trials.jsonl'));
  await waitFor(() => recorded().length >= 1 && childPids(pid).length >= 1, 240_000, 'a finished member');
  await waitFor(() => jsonl<{ trialId: string }>(join(out, 'metrics.jsonl')).some((m) => !recorded().some((t) => t.id === m.trialId)), 60_000, 'a member in progress');
  const workers = childPids(pid);
  stray.push(...workers);
  process.kill(-pid, 'SIGINT');
  const timer = setTimeout(() => killAll([pid]), 60_000);
  const { code } = await run.exited;
  clearTimeout(timer);
  assert.equal(code, 130, run.stderr());
  const done = recorded().length;
  assert.ok(done >= 1 && done < 6, `${done} done`);
  await waitFor(() => workers.every((p) => !alive(p)), 10_000, 'workers to exit');
  checkFolder(out); // no metric line of an unrecorded member

  const again = await runCli(['run', file, '--out', out, '--parallel', '1']);
  assert.equal(again.code, 0, again.stderr);
  const left = 6 - done;
  assert.equal(startLine(again.stdout), `sweep e2e-pack-int: 6 trials, ${done} already done${left > 1 ? `, in 1 pack of ${left} trials` : ''}, 1 worker, output ${out}`);
  assert.match(again.stdout, new RegExp(`; ${left} run now\\)`));
  const { trials } = checkFolder(out);
  assert.equal(trials.length, 6);
  assert.ok(trials.every((t) => t.outcome === expectedOutcome(t)), JSON.stringify(trials.map((t) => [t.outcome, t.error])));
});

test('a member that crashes every pack it is in fails alone on the last attempt; its pack mates succeed', { timeout: 120_000 }, async () => {
  // A stand-in worker speaking the pack protocol: each member reports started, two metrics and
  // its terminal event in turn (and one message of a trial outside the pack, which is dropped);
  // seed 1 crashes the process, as a native abort or an out-of-memory kill would.
  const entry = join(tmp, 'crashing-pack-worker.mjs');
  writeFileSync(entry, `
process.on('disconnect', () => process.exit(0));
process.on('message', (req) => {
  const jobs = req.type === 'pack' ? req.jobs : [req.job];
  const results = [];
  for (const job of jobs) {
    const ids = { sweepId: job.sweepId, trialId: job.trialId };
    const send = (m) => process.send({ type: 'bus', message: m });
    if (job.config.seed === 1) {
      process.stderr.write('about to crash\\n');
      process.kill(process.pid, 'SIGKILL');
      return;
    }
    send({ ...ids, event: 'started', backend: 'stand-in', lrConvention: 'plain' });
    send({ ...ids, trialId: 'ffffffffffffffff', step: 0, trainLoss: 9 });
    send({ ...ids, step: 0, trainLoss: 1 });
    send({ ...ids, step: 30, trainLoss: 1 / (2 + job.config.seed) });
    const final = { step: 30, trainLoss: 1 / (2 + job.config.seed) };
    send({ ...ids, event: 'finished', step: 30, final, durationMs: 1, backend: 'stand-in', attempt: job.attempt });
    results.push({ trialId: job.trialId, outcome: 'succeeded', step: 30, final, backend: 'stand-in', lrConvention: 'plain', durationMs: 1 });
  }
  for (const result of results) process.send({ type: 'result', result });
});
`);
  const out = join(tmp, 'crash-pack');
  const log: string[] = [];
  const rejected = new Map<RejectReason, number>();
  const hooks = { messageRejected: (r: RejectReason) => rejected.set(r, (rejected.get(r) ?? 0) + 1) };
  const result = await runSweep(parseSpec(tinySpec('e2e-crash-pack', { grid: 'seed: [0, 1, 2, 3]' })), {
    out, parallel: 1, progress: new LineProgress((l) => log.push(l)), workerEntry: entry, hooks,
  });
  assert.equal(result.interrupted, false);
  assert.deepEqual(result.counts, { succeeded: 3, diverged: 0, failed: 1, cancelled: 0 });
  assert.equal(log[0], `sweep e2e-crash-pack: 4 trials, in 1 pack of 4 trials, 1 worker, output ${out}`);
  assert.ok(log.includes('note: a worker died running a pack of 4 trials; its 3 unfinished trials run again (attempt 2)'), log.join('\n'));
  assert.ok(log.includes('note: a worker died running a pack of 3 trials; its 3 unfinished trials run again (attempt 3, each alone)'), log.join('\n'));
  const { trials, metrics } = checkFolder(out);
  const bySeed = new Map(trials.map((t) => [t.config.seed, t as Rec & { attempt: number }]));
  // seed 0 ended before the first crash; 2 and 3 never got their turn until they ran alone
  assert.deepEqual([0, 1, 2, 3].map((seed) => [bySeed.get(seed)!.outcome, bySeed.get(seed)!.attempt]),
    [['succeeded', 1], ['failed', 3], ['succeeded', 3], ['succeeded', 3]]);
  assert.equal(bySeed.get(1)!.error, 'worker process died (signal SIGKILL): about to crash');
  // two metric lines per succeeded trial, none of the foreign trial
  assert.equal(metrics.length, 6);
  assert.equal(rejected.get('id-mismatch'), 3);
});
