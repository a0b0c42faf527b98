// The `trainer` section: a command trainer's params and axes resolve into trials whose ids hash
// the params; what only the built-in trainer has is refused, each problem by its path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../core/config/errors.js';
import { isCommandSweep, parseSpec } from '../../core/config/spec.js';
import { trialId } from '../../core/ids.js';

const CMD = 'trainer: { kind: command, command: [python3, train.py], params: { width: 8, lr: 0.1, opt: { betas: [0.9, 0.99] } } }';

function problems(text: string, commandTrainer = true): string[] {
  try {
    if (commandTrainer) parseSpec(text, { commandTrainer: true });
    else parseSpec(text);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail('the spec was accepted');
}

test('params axes, nested ones too, resolve into trials hashing the params', () => {
  const r = parseSpec(`name: c\n${CMD}\ngrid:\n  params.width: [8, 16]\n  params.opt.betas: [[0.9, 0.99], [0.8, 0.9]]\n`, { commandTrainer: true });
  assert.ok(isCommandSweep(r));
  assert.equal(r.plans.length, 4);
  assert.deepEqual(r.plans[3].config, { trainer: 'command', params: { width: 16, lr: 0.1, opt: { betas: [0.8, 0.9] } } });
  assert.deepEqual(r.plans[3].axes, { 'params.width': 16, 'params.opt.betas': [0.8, 0.9] });
  for (const p of r.plans) assert.equal(p.id, trialId(p.config));
  // the same params written in another order and spelled as a grid value are the same trial
  const again = parseSpec(`name: c\ntrainer: { kind: command, command: [x], params: { opt: { betas: [0.8, 0.9] }, lr: 0.1, width: 16 } }\n`, { commandTrainer: true });
  assert.equal(again.plans[0].id, r.plans[3].id);
  // logspace values are rounded like built-in axes, so a typed literal gives the same id
  const ls = parseSpec(`name: c\n${CMD}\ngrid:\n  params.lr: {logspace: [0.001, 0.1, 3]}\n`, { commandTrainer: true });
  const typed = parseSpec(`name: c\n${CMD}\ngrid:\n  params.lr: [0.001, 0.01, 0.1]\n`, { commandTrainer: true });
  assert.deepEqual(ls.plans.map((p) => p.id), typed.plans.map((p) => p.id));
});

test('grid points with the same params collapse into one trial', () => {
  const r = parseSpec(`name: c\n${CMD}\ngrid:\n  params.width: [8, 8, 16]\n`, { commandTrainer: true });
  assert.equal(r.plans.length, 2);
  assert.equal(r.duplicates, 1);
});

test('an explicit builtin trainer changes no trial id', () => {
  const body = 'task: { kind: teacher-mlp }\noptimizer: { kind: sgd, lr: 0.1 }\ngrid:\n  model.width: [8, 16]\n';
  const plain = parseSpec(`name: b\n${body}`);
  const explicit = parseSpec(`name: b\ntrainer: { kind: builtin }\n${body}`);
  assert.deepEqual(explicit.plans.map((p) => p.id), plain.plans.map((p) => p.id));
  assert.equal(explicit.spec.trainer.kind, 'builtin');
});

test('everything only the built-in trainer has is refused by path, all at once', () => {
  const ps = problems(`name: c
trainer: { kind: command, command: [python3, train.py], params: { width: 8, opt: 3 } }
model: { width: 8 }
seed: 1
preflight: { coordCheck: {} }
grid:
  model.depth: [1, 2]
  params.opt.lr: [0.1]
  params.width: [8]
analysis:
  alignment: {}
`);
  assert.deepEqual(ps, [
    'seed: belongs to the built-in trainer; a command trainer (trainer.kind: command) takes its hyperparameters in trainer.params',
    'model: belongs to the built-in trainer; a command trainer (trainer.kind: command) takes its hyperparameters in trainer.params',
    "preflight: the coord check measures the built-in model; a command trainer has none to measure (check your model's coordinates yourself, see docs/trainer-protocol.md)",
    "grid.model.depth: a command trainer's axes are its own hyperparameters, params.<key> (e.g. params.width)",
    'grid.params.opt.lr: trainer.params.opt is 3, not a mapping, so it has no key lr',
    "analysis.alignment: reads the built-in trainer's giant-step result, which a command trainer does not report",
  ]);
});

test('the trainer section itself is checked strictly', () => {
  assert.deepEqual(problems('name: c\ntrainer: { kind: command, command: [], timeoutSeconds: 0, shell: true }\n'), [
    'trainer.command: must name the program to run, e.g. [python3, train.py]',
    'trainer.timeoutSeconds: must be >= 1, got 0',
    'trainer.shell: unknown key',
  ]);
  // an unknown kind is read as the built-in trainer's spec, whose sections are then missing
  assert.deepEqual(problems('name: c\ntrainer: { kind: script }\n'), ['trainer.kind: must be one of builtin, command', 'task: is required', 'optimizer: is required']);
  assert.deepEqual(problems(`name: c\n${CMD}\nsearch: { kind: lr-descent, lr: params.lr }\ngrid:\n  params.lr: [0.1, 0.2]\n`), [
    "search.kind: lr-descent judges stability by the built-in trainer's divergence bound; a command trainer sweeps with grid or random",
  ]);
});

test('params are refused for the built-in trainer', () => {
  const ps = problems('name: b\ntrainer: { kind: builtin, params: { width: 8 } }\ntask: { kind: teacher-mlp }\noptimizer: { kind: sgd, lr: 0.1 }\n');
  assert.deepEqual(ps, ['trainer.params: only a command trainer (trainer.kind: command) takes params; the built-in trainer is configured by model, task, optimizer, train and measure']);
});

test('a caller that runs only the built-in trainer refuses a command spec', () => {
  assert.deepEqual(problems(`name: c\n${CMD}\n`, false), [
    'trainer.kind: only the built-in trainer runs here (a command trainer runs with sweep run, sweep submit and sweep validate)',
  ]);
});
