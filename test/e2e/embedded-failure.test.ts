// Failure isolation: a trial that fails (a continual task whose file input cannot be rotated) or whose worker
// process dies is recorded `failed` with its message, and every other trial still runs.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSpec } from '../../core/config/spec.js';
import { runSweep } from '../../workers/embedded/runner.js';
import { LineProgress } from '../../workers/embedded/progress.js';
import { checkFolder, runCli, tinySpec } from './embedded-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'sweep-e2e-fail-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('a trial that fails is recorded with its message; the others succeed', { timeout: 300_000 }, async () => {
  // A continual task over a one-feature file: `sweep run` accepts the data (it is checked before
  // starting), but a single input dimension cannot be rotated, which each trial finds when it
  // builds its task sequence: those trials fail, the others run.
  const data = join(tmp, 'one-feature.csv');
  writeFileSync(data, `${Array.from({ length: 20 }, (_, i) => `${i},${i % 2}`).join('\n')}\n`);
  const continual = { kind: 'continual', base: { kind: 'file', format: 'csv', train: { x: data } }, tasks: 2, stepsPerTask: 15 };
  const spec = tinySpec('e2e-fail', {
    grid: `task:\n  - { kind: teacher-mlp, inputDim: 4, trainSize: 64, testSize: 32, teacherWidth: 8 }\n  - ${JSON.stringify(continual)}\nseed: [0, 1]`,
  });
  const specPath = join(tmp, 'sweep.yaml');
  writeFileSync(specPath, spec);
  const out = join(tmp, 'out');
  const r = await runCli(['run', specPath, '--out', out, '--parallel', '2']);
  // the sweep went on to the end, and the exit code tells a script that something failed
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /4 trials done \(2 succeeded, 0 diverged, 2 failed; 4 run now\)/);
  assert.match(r.stderr, /sweep: 2 trials failed \(errors in .*trials\.jsonl\); fix the cause and run again with --retry-failed/);
  const { trials } = checkFolder(out);
  assert.equal(trials.length, 4);
  for (const t of trials) {
    const failing = (t.axes.task as { kind: string }).kind === 'continual';
    assert.equal(t.outcome, failing ? 'failed' : 'succeeded', JSON.stringify(t));
    if (failing) assert.match(t.error ?? '', /task\.base: a file with 1 input dimension cannot be rotated/);
  }

  // the failed ones are kept on a plain rerun, and run again (and fail again) with --retry-failed
  const again = await runCli(['run', specPath, '--out', out]);
  assert.match(again.stdout, /4 trials, 4 already done/);
  const retry = await runCli(['run', specPath, '--out', out, '--retry-failed']);
  assert.match(retry.stdout, /4 trials, 2 already done/);
  assert.match(retry.stdout, /2 run now/);
  assert.equal(checkFolder(out).trials.length, 4);
});

test('a worker process that dies costs only its trial; the pool replaces it', { timeout: 120_000 }, async () => {
  // A stand-in worker speaking the pool's protocol: it crashes the process on seed 1, like a
  // native abort or an out-of-memory kill would, and otherwise reports a small result.
  const entry = join(tmp, 'crashing-worker.mjs');
  writeFileSync(entry, `
process.on('disconnect', () => process.exit(0));
process.on('message', ({ job }) => {
  if (job.config.seed === 1) {
    process.stderr.write('about to crash\\n');
    process.kill(process.pid, 'SIGKILL');
    return;
  }
  process.send({ type: 'bus', message: { sweepId: job.sweepId, trialId: job.trialId, event: 'started', backend: 'stand-in', lrConvention: 'plain' } });
  process.send({ type: 'bus', message: { sweepId: job.sweepId, trialId: job.trialId, step: 0, trainLoss: 1 } });
  process.send({ type: 'bus', message: { sweepId: job.sweepId, trialId: job.trialId, step: job.config.train.steps, trainLoss: 0.5 } });
  process.send({ type: 'result', result: { trialId: job.trialId, outcome: 'succeeded', step: job.config.train.steps,
    final: { step: job.config.train.steps, trainLoss: 0.5 }, backend: 'stand-in', lrConvention: 'plain', durationMs: 1 } });
});
`);
  const resolved = parseSpec(tinySpec('e2e-crash', { grid: 'seed: [0, 1, 2, 3]' }));
  const out = join(tmp, 'crash');
  const log: string[] = [];
  // the stand-in speaks the one-trial request only, so its trials do not pack
  const result = await runSweep(resolved, { out, parallel: 2, progress: new LineProgress((l) => log.push(l)), workerEntry: entry, pack: 'off' });
  assert.equal(result.interrupted, false);
  assert.deepEqual(result.counts, { succeeded: 3, diverged: 0, failed: 1, cancelled: 0 });
  const { trials } = checkFolder(out);
  const crashed = trials.find((t) => t.config.seed === 1)!;
  assert.equal(crashed.outcome, 'failed');
  assert.equal(crashed.error, 'worker process died (signal SIGKILL): about to crash');
  assert.equal(trials.filter((t) => t.outcome === 'succeeded').length, 3);
});
