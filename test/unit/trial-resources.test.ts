// Impossible trial sizes are refused when the spec is checked, naming the value and the memory
// it would need; the estimate's parameter count and data sizes are checked against the model
// and the tasks themselves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { ConfigError } from '../../core/config/errors.js';
import { loadSpec, parseSpec } from '../../core/config/spec.js';
import { centered, taskSchema, trialConfigSchema, type TrialConfigInput } from '../../core/config/trial.js';
import { MAX_TRIAL_BYTES } from '../../core/config/bounds.js';
import { estimateTrial } from '../../core/config/resources.js';
import { Mlp } from '../../core/model/mlp.js';
import { createTask } from '../../core/tasks/index.js';

const BASE = `name: t
task: { kind: teacher-mlp, inputDim: 8, trainSize: 64, testSize: 32 }
model: { width: 16, depth: 2 }
optimizer: { kind: sgd, lr: 0.1 }
train: { steps: 10, batchSize: 16 }
`;

function problems(text: string): string[] {
  try {
    parseSpec(text);
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.problems;
  }
}

const MEMORY = /the trial would need about [\d.]+(·10[⁰-⁹]+)? [KMGTP]iB of memory \(.*\), more than the 8\.0 GiB a trial may use$/;

// the sizes issue 12 found passing `validate` and failing at run time
const impossible: [string, string, string][] = [
  ['width 10⁹', `${BASE}grid: { model.width: [16, 1000000000] }\n`, 'grid.model.width[1]: '],
  ['inputDim 10⁹', BASE.replace('inputDim: 8', 'inputDim: 1000000000'), 'task.inputDim: '],
  ['trainSize 10⁸ (at the default inputDim 32)', BASE.replace('inputDim: 8, trainSize: 64', 'trainSize: 100000000'), 'task.trainSize: '],
  ['testSize 10⁸ on a continual base', BASE.replace(/^task: .*$/m, 'task: { kind: continual, base: { kind: teacher-mlp, testSize: 100000000 }, tasks: 2 }'), 'task.base.testSize: '],
  ['batch of 10⁸ rows', BASE.replace('trainSize: 64', 'trainSize: 0').replace('batchSize: 16', 'batchSize: 100000000'), 'train.batchSize: '],
  ['classes 10⁹', BASE.replace(/^task: .*$/m, 'task: { kind: gaussian-mixture, classes: 1000000000 }'), 'task.classes: '],
];
for (const [name, text, prefix] of impossible) {
  test(`refused up front: ${name}`, () => {
    const p = problems(text);
    assert.equal(p.length, 1, p.join('\n'));
    assert.ok(p[0].startsWith(prefix), p[0]);
    assert.match(p[0], MEMORY);
  });
}

test('hard bounds: depth 10⁵, steps 10¹⁵, eval points, solver iterations', () => {
  assert.deepEqual(problems(BASE.replace('depth: 2', 'depth: 100000')), ['model.depth: must be <= 1000, got 100000']);
  assert.deepEqual(problems(`${BASE}grid: { train.steps: [10, 1000000000000000] }\n`), ['grid.train.steps[1]: must be <= 100000000, got 1000000000000000']);
  assert.deepEqual(problems(BASE.replace('steps: 10,', 'steps: 100000000, evalEvery: 1,')),
    ['train.evalEvery: the trial would record 100000012 evaluation points (train.steps / evalEvery, sharpness.every, logEvalPoints), more than the 1000000 a trial may have']);
  assert.deepEqual(problems(`${BASE}measure: { sharpness: { iterations: 1000000 } }\n`), ['measure.sharpness.iterations: must be <= 10000, got 1000000']);
  assert.deepEqual(problems(`${BASE}train: { batchSize: 16, logEvalPoints: 1e12 }\n`.replace(/^train: \{ steps.*\n/m, '')), ['train.logEvalPoints: must be <= 1000000, got 1000000000000']);
});

test('the `sweep trial` config path refuses them too (one schema)', () => {
  const r = trialConfigSchema.safeParse({ task: { kind: 'teacher-mlp' }, optimizer: { kind: 'sgd', lr: 0.1 }, model: { width: 1e6 } });
  assert.equal(r.success, false);
  assert.deepEqual(r.error!.issues.map((i) => i.path.join('.')), ['model.width']);
});

const configs: TrialConfigInput[] = [
  { task: { kind: 'teacher-mlp', inputDim: 12, outputDim: 3, trainSize: 100, testSize: 50 }, model: { width: 20, depth: 4, bias: true }, optimizer: { kind: 'sgd', lr: 0.1 }, train: { batchSize: 8 } },
  { task: { kind: 'circle-power-law', harmonics: 8, trainSize: 30, testSize: 20 }, model: { width: 9, depth: 2 }, optimizer: { kind: 'adam', lr: 0.01 }, train: { batchSize: 8 } },
  { task: { kind: 'multi-index', inputDim: 7, trainSize: 40, testSize: 10 }, model: { width: 5, depth: 1 }, optimizer: { kind: 'sgd', lr: 0.1 }, train: { batchSize: 8 } },
  { task: { kind: 'gaussian-mixture', inputDim: 6, classes: 5, trainSize: 25, testSize: 15 }, model: { width: 11, depth: 3, bias: true }, optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9 }, train: { batchSize: 8 } },
  { task: { kind: 'teacher-classes', inputDim: 4, classes: 3, trainSize: 20, testSize: 10 }, model: { width: 8, depth: 5 }, optimizer: { kind: 'sgd', lr: 0.1 }, train: { batchSize: 8 } },
  { task: { kind: 'mnist', classes: [3, 5, 8], trainSize: 30, testSize: 12 }, model: { width: 8, depth: 2 }, optimizer: { kind: 'sgd', lr: 0.1 }, train: { batchSize: 8 } },
];

test('parameter count equals the model\'s parameters; data rows and dims equal the task\'s', () => {
  for (const input of configs) {
    const config = trialConfigSchema.parse(input);
    const task = createTask(config.task, config.seed);
    const mlp = new Mlp(config.model, config.optimizer, task.inputDim, task.outputDim);
    const params = mlp.specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
    const est = estimateTrial(config, centered(config.model));
    assert.equal(est.parameters, params, JSON.stringify(input));
    // data: host and device copies of both sets, float32, x and y
    const train = task.train, test = task.test;
    const fixed = (train ? train.n * (train.inputDim + train.outputDim) : 0) + test.n * (test.inputDim + test.outputDim);
    const noTrain = estimateTrial({ ...config, train: { ...config.train, batchSize: 1 }, measure: { ...config.measure, sharpness: undefined } }, false);
    assert.ok(est.detail.includes('data: ') || fixed === 0);
    assert.ok(noTrain.bytes >= fixed * 4 * 2 + params * 4 * 3, `${noTrain.bytes} < data + 3 copies`);
  }
});

test('every shipped example fits the memory limit with room to spare', async () => {
  const dir = fileURLToPath(new URL('../../../examples/', import.meta.url));
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml') && !n.endsWith('.expect.yaml'))) {
    const r = await loadSpec(join(dir, f), { yes: true });
    for (const p of r.plans) assert.ok(estimateTrial(p.config, centered(p.config.model)).bytes < MAX_TRIAL_BYTES / 4, `${f} ${p.id}`);
  }
});

test('search and analysis counts that would stall a sweep are bounded', () => {
  assert.deepEqual(problems(`${BASE}grid: { optimizer.lr: [0.1, 1] }\nsearch: { kind: lr-refine, perRound: 1000000000, maxRounds: 1000 }\n`),
    ['search.maxRounds: must be <= 100, got 1000', 'search.perRound: must be <= 100, got 1000000000']);
  assert.deepEqual(problems(`${BASE}grid: { model.width: [8, 16], optimizer.lr: [0.1, 1] }\nanalysis: { lrTransfer: { bootstrap: 1e12 } }\n`),
    ['analysis.lrTransfer.bootstrap: must be <= 100000, got 1000000000000']);
});

test('every task kind of the schema is sized by the estimate (data and dimensions), file tasks by their files', () => {
  const minimal: Record<string, Record<string, unknown>> = {
    'teacher-mlp': {}, 'circle-power-law': { trainSize: 16 }, 'multi-index': { trainSize: 16 }, 'gaussian-mixture': {},
    'teacher-classes': {}, mnist: { classes: [0, 1], trainSize: 16, testSize: 8 }, continual: { base: { kind: 'teacher-mlp' } },
  };
  const kinds = taskSchema.options.map((o) => o.shape.kind.value as string);
  for (const kind of kinds.filter((k) => k !== 'file')) {
    assert.ok(minimal[kind], `no minimal config for task kind ${kind}: add it here and size it in core/config/resources.ts`);
    const config = trialConfigSchema.parse({ task: { kind, ...minimal[kind] }, optimizer: { kind: 'sgd', lr: 0.1 }, train: { batchSize: 4 } });
    const est = estimateTrial(config, false);
    assert.match(est.detail, /data: /, `${kind}: ${est.detail}`);
    assert.ok(est.parameters > config.model.width * config.model.width, `${kind}: input and output layers counted`);
  }
});
