// A command trainer through `sweep run` (docs/trainer-protocol.md): the fixture script speaks
// the protocol by hand. The lr-transfer analysis runs on its params axes as on a built-in
// sweep, and each fault a user's script can commit becomes the outcome the protocol says.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trialId } from '../../core/ids.js';
import { alive, childPids, jsonl, ROOT, runCli, startCli, waitFor } from './embedded-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'sweep-e2e-command-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const FIXTURE = join(ROOT, 'test', 'fixtures', 'command-trainer.mjs');

interface Rec {
  id: string;
  outcome: string;
  step: number;
  attempt: number;
  error?: string;
  divergence?: string;
  backend: string;
  final: { step: number; trainLoss?: number; minTrainLoss?: number };
  config: { trainer: string; params: Record<string, unknown> };
  axes: Record<string, unknown>;
}
interface Met {
  trialId: string;
  step: number;
  trainLoss: number | null;
  metrics?: Record<string, number | null>;
}

/** Each trial once; metric lines only of recorded trials, no (trial, step) twice, steps increasing. */
function folder(dir: string): { trials: Rec[]; metrics: Met[] } {
  const trials = jsonl<Rec>(join(dir, 'trials.jsonl'));
  const metrics = jsonl<Met>(join(dir, 'metrics.jsonl'));
  assert.equal(new Set(trials.map((t) => t.id)).size, trials.length, 'each trial is recorded once');
  const recorded = new Set(trials.map((t) => t.id));
  const last = new Map<string, number>();
  for (const m of metrics) {
    assert.ok(recorded.has(m.trialId), `metric line of unrecorded trial ${m.trialId}`);
    const prev = last.get(m.trialId) ?? -1;
    assert.ok(m.step > prev, `metrics of ${m.trialId}: step ${m.step} after ${prev} (duplicate or out of order)`);
    last.set(m.trialId, m.step);
  }
  return { trials, metrics };
}

test('a command trainer sweep over params axes: trials, metrics and the lr-transfer summary', { timeout: 120_000 }, async () => {
  const spec = join(tmp, 'transfer.yaml');
  writeFileSync(spec, `name: cmd-transfer
trainer:
  kind: command
  command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(FIXTURE)}]
  params: { width: 8, lr: 0.1, steps: 30, optimizer: { name: sgd } }
grid:
  params.width: [8, 32]
  params.lr: [0.025, 0.05, 0.1, 0.2, 0.4]
analysis:
  lrTransfer: { over: params.width, lr: params.lr }
`);
  const v = await runCli(['validate', spec]);
  assert.equal(v.code, 0, v.stderr);
  assert.match(v.stdout, /trainer: command .*command-trainer\.mjs.* \(trial protocol v1\)/);
  assert.match(v.stdout, /params\.width\s+2\s+8, 32/);
  assert.match(v.stdout, /params\.lr\s+5\s+0\.025, 0\.05, 0\.1, 0\.2, 0\.4/);

  const out = join(tmp, 'transfer-out');
  const r = await runCli(['run', spec, '--out', out, '--parallel', '2']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /10 trials done \(10 succeeded, 0 diverged, 0 failed; 10 run now\)/);
  const { trials, metrics } = folder(out);
  assert.equal(trials.length, 10);
  for (const t of trials) {
    assert.equal(t.outcome, 'succeeded');
    assert.equal(t.backend, 'fixture (node)');
    assert.equal(t.final.step, 30);
    // the id hashes the resolved params, as a built-in trial's hashes its config
    assert.equal(t.id, trialId({ trainer: 'command', params: t.config.params as Record<string, never> }));
    assert.deepEqual(t.config.params.optimizer, { name: 'sgd' });
    assert.deepEqual(Object.keys(t.axes), ['params.width', 'params.lr']);
    const own = metrics.filter((m) => m.trialId === t.id);
    assert.deepEqual(own.map((m) => m.step), [0, 10, 20, 30]);
    // the trainer's own measurements are kept under its names
    assert.equal(own[0].metrics?.['my/temperature'], (t.axes['params.width'] as number) / 10);
  }
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { lrTransfer: { over: string; lr: string; etaStar: { x: number; lr: number }[]; slope: number }[] };
  assert.equal(summary.lrTransfer.length, 1);
  const l = summary.lrTransfer[0];
  assert.equal(l.over, 'params.width');
  assert.equal(l.lr, 'params.lr');
  // the fixture's loss is smallest at lr 0.1 for every width
  assert.ok(Math.abs(l.slope) < 1e-9, `slope ${l.slope}`);
});

test('each fault of a command trainer becomes its outcome; the sweep goes on', { timeout: 180_000 }, async () => {
  const faults = ['none', 'crash', 'garbage', 'hang', 'nan', 'killed', 'no-finish', 'invalid-launch'];
  const spec = join(tmp, 'faults.yaml');
  writeFileSync(spec, `name: cmd-faults
trainer:
  kind: command
  command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(FIXTURE)}]
  params: { width: 16, lr: 0.1, steps: 30 }
  timeoutSeconds: 4
  killAfterSeconds: 1
execution: { maxAttempts: 2, parallelism: 4 }
grid:
  params.fault: [${faults.join(', ')}]
`);
  const out = join(tmp, 'faults-out');
  const r = await runCli(['run', spec, '--out', out, '--parallel', '4']);
  // failed trials make the exit code 1; every trial was run to an outcome
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /8 trials done \(2 succeeded, 1 diverged, 5 failed; 8 run now\)/);
  const { trials, metrics } = folder(out);
  const by = new Map(trials.map((t) => [t.config.params.fault as string, t]));
  assert.deepEqual([...by.keys()].sort(), [...faults].sort());
  const at = (f: string) => by.get(f)!;

  assert.equal(at('none').outcome, 'succeeded');
  assert.equal(at('none').attempt, 1);

  // a crash is retried, and its log tail is kept
  assert.equal(at('crash').outcome, 'failed');
  assert.equal(at('crash').attempt, 2);
  assert.match(at('crash').error!, /the trainer crashed \(exit code 1\); last output: .*CUDA out of memory.*\(attempt 2 of 2\)/);

  // a line that is not JSON ends the trial, quoted; not retried
  assert.equal(at('garbage').outcome, 'failed');
  assert.equal(at('garbage').attempt, 1);
  assert.ok(at('garbage').error!.includes('the trainer sent a line that is not JSON: "epoch 1: loss=0.5 (this is not JSON)"'), at('garbage').error);

  assert.equal(at('hang').outcome, 'failed');
  assert.equal(at('hang').attempt, 1);
  assert.match(at('hang').error!, /reached no outcome within trainer\.timeoutSeconds and was stopped/);

  // a null (non-finite) loss is a divergence at that step, a valid result
  assert.equal(at('nan').outcome, 'diverged');
  assert.equal(at('nan').divergence, 'nonfinite');
  assert.equal(at('nan').step, 20);

  // killed mid-run: retried, and the steps both attempts sent are stored once
  const killed = at('killed');
  assert.equal(killed.outcome, 'succeeded');
  assert.equal(killed.attempt, 2);
  assert.deepEqual(metrics.filter((m) => m.trialId === killed.id).map((m) => m.step), [0, 10, 20, 30]);

  assert.equal(at('no-finish').outcome, 'failed');
  assert.match(at('no-finish').error!, /exited with code 0 without a final event \(finished, diverged or failed\)/);

  assert.equal(at('invalid-launch').outcome, 'failed');
  assert.equal(at('invalid-launch').attempt, 1);
  assert.match(at('invalid-launch').error!, /found its launch invalid \(exit code 2; not retried\)/);
});

test('a command spec with built-in sections is refused by path, exit code 2', async () => {
  const spec = join(tmp, 'bad.yaml');
  writeFileSync(spec, `name: cmd-bad
trainer: { kind: command, command: [node, train.js], params: { width: 8 } }
model: { width: 8 }
grid:
  model.depth: [1, 2]
`);
  const r = await runCli(['run', spec, '--out', join(tmp, 'bad-out')]);
  assert.equal(r.code, 2);
  // the CLI's form: the first problem on one line, then every other one below it
  const lines = r.stderr.trim().split('\n');
  assert.match(lines[0], /^sweep: invalid .*bad\.yaml: model: belongs to the built-in trainer; .* \(and 1 more\)$/);
  assert.match(lines[1], /^ *grid\.model\.depth: a command trainer's axes are its own hyperparameters, params\.<key>/);
  assert.ok(!(await import('node:fs')).existsSync(join(tmp, 'bad-out')), 'nothing was started');
});

test('Ctrl-C stops the command trainers (their own process group) and records none of them', { timeout: 120_000 }, async () => {
  const spec = join(tmp, 'interrupt.yaml');
  writeFileSync(spec, `name: cmd-interrupt
trainer:
  kind: command
  command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(FIXTURE)}]
  params: { width: 16, lr: 0.1, fault: hang }
  killAfterSeconds: 2
grid:
  params.width: [8, 16]
`);
  const out = join(tmp, 'interrupt-out');
  const cli = startCli(['run', spec, '--out', out, '--parallel', '2'], { group: true });
  let trainers: number[] = [];
  await waitFor(() => (trainers = childPids(cli.child.pid!)).length === 2, 30_000, 'two trainer processes');
  // as a terminal does: the signal reaches the runner's group, not the trainers' own groups
  process.kill(-cli.child.pid!, 'SIGINT');
  const { code } = await cli.exited;
  assert.equal(code, 130, cli.stderr());
  assert.match(cli.stderr(), /interrupted: 0 of 2 trials done/);
  for (const pid of trainers) assert.equal(alive(pid), false, `trainer ${pid} was stopped`);
  assert.deepEqual(jsonl(join(out, 'trials.jsonl')), []);
});

test('a trainer program that does not exist fails its trials once each, naming it', { timeout: 60_000 }, async () => {
  const spec = join(tmp, 'missing.yaml');
  writeFileSync(spec, `name: cmd-missing
trainer: { kind: command, command: [./no-such-trainer, --fast], params: { width: 8 } }
grid:
  params.width: [8, 16]
`);
  const out = join(tmp, 'missing-out');
  const r = await runCli(['run', spec, '--out', out]);
  assert.equal(r.code, 1, r.stderr);
  const { trials } = folder(out);
  assert.equal(trials.length, 2);
  for (const t of trials) {
    assert.equal(t.outcome, 'failed');
    assert.equal(t.attempt, 1);
    assert.equal(t.error, `could not start the trainer: "./no-such-trainer" (ENOENT) in ${tmp}`);
  }
});
