// Hostile spec input: prototype keys in grid paths and values, duplicate keys in JSON, analysis
// axes that do not exist, infinite generator arguments. Each is refused naming its path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../core/config/errors.js';
import { parseSpec, resolveSpec } from '../../core/config/spec.js';
import { getPath, pathProblem, setPath } from '../../core/grid/paths.js';
import { trialConfigSchema } from '../../core/config/trial.js';

const BASE = `name: t
task: { kind: teacher-mlp, inputDim: 8, trainSize: 64, testSize: 32 }
model: { width: 16, depth: 2 }
optimizer: { kind: sgd, lr: 0.1 }
train: { steps: 10, batchSize: 16 }
`;
const BASE_JSON = { name: 't', task: { kind: 'teacher-mlp', inputDim: 8, trainSize: 64, testSize: 32 }, model: { width: 16, depth: 2 }, optimizer: { kind: 'sgd', lr: 0.1 }, train: { steps: 10, batchSize: 16 } };

function problems(text: string, source = 'spec.yaml'): string[] {
  try {
    parseSpec(text, { source });
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.problems;
  }
}

const clean = () => {
  for (const k of ['polluted', 'width', 'x']) assert.equal(k in {}, false, `Object.prototype.${k} was set`);
};

const protoCases: [string, string, string[]][] = [
  ['__proto__ at the start of a grid path', 'grid: { __proto__.polluted: [1] }', ['grid.__proto__.polluted: "__proto__" cannot be a key (it names the object prototype)']],
  ['__proto__ inside a grid path', 'grid: { model.__proto__: [{ width: 3 }] }', ['grid.model.__proto__: "__proto__" cannot be a key (it names the object prototype)']],
  ['__proto__ as the whole grid path', 'grid: { __proto__: [1] }', ['grid.__proto__: "__proto__" cannot be a key (it names the object prototype)']],
  ['constructor in a grid path', 'grid: { model.constructor: [1] }', ['grid.model.constructor: "constructor" cannot be a key (it names the object prototype)']],
  ['prototype in a zipped path', 'grid: { zip: [{ task.prototype.x: [1] }] }', ['grid.zip[0].task.prototype.x: "prototype" cannot be a key (it names the object prototype)']],
  ['__proto__ inside a whole-section axis value', 'grid: { model: [{ width: 8 }, { __proto__: { width: 3 } }] }', ['grid.model[1].__proto__: "__proto__" cannot be a key (it names the object prototype)']],
  ['__proto__ in the base config', 'model: { width: 16, depth: 2, __proto__: { bias: true } }', ['model.__proto__: "__proto__" cannot be a key (it names the object prototype)']],
  ['constructor in the base config', 'train: { steps: 10, constructor: 1 }', ['train.constructor: "constructor" cannot be a key (it names the object prototype)']],
];

for (const [name, extra, expect] of protoCases) {
  test(`refused: ${name}`, () => {
    const text = extra.startsWith('grid') ? `${BASE}${extra}\n` : `${BASE.replace(new RegExp(`^${extra.split(':')[0]}:.*$`, 'm'), '')}${extra}\n`;
    assert.deepEqual(problems(text), expect);
    clean();
  });
}

test('prototype keys from JSON text (own keys after JSON.parse) are refused the same way', () => {
  const text = JSON.stringify({ ...BASE_JSON, grid: { 'model.width': [8] } }).replace('"grid":{', '"grid":{"__proto__":[1],').replace('"model":{', '"model":{"__proto__":{"width":3},');
  assert.deepEqual(problems(text, 'spec.json'), [
    'model.__proto__: "__proto__" cannot be a key (it names the object prototype)',
    'grid.__proto__: "__proto__" cannot be a key (it names the object prototype)',
  ]);
  clean();
});

test('data with a prototype key passed in-process (the client API) is refused too', () => {
  const raw = JSON.parse(JSON.stringify({ ...BASE_JSON, grid: { optimizer: [{ kind: 'sgd', lr: 0.1, constructor: { x: 1 } }] } }));
  assert.throws(() => resolveSpec(raw), (e: unknown) => e instanceof ConfigError && e.problems[0] === 'grid.optimizer[0].constructor: "constructor" cannot be a key (it names the object prototype)');
  clean();
});

test('paths name only own schema keys; setPath defines keys and never reaches a prototype', () => {
  assert.match(pathProblem(trialConfigSchema, 'model.constructor', {}) ?? '', /not a trial config key \(model has kind, activation/);
  assert.match(pathProblem(trialConfigSchema, 'model.__proto__', {}) ?? '', /not a trial config key/);
  assert.match(pathProblem(trialConfigSchema, 'toString', {}) ?? '', /not a trial config key/);
  const out = setPath({}, '__proto__.polluted', 1);
  clean();
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.deepEqual(Object.keys(out), ['__proto__']);
  assert.equal(getPath({}, 'constructor'), undefined);
});

test('JSON duplicate keys are refused naming each key path, as YAML refuses them', () => {
  const text = `{"name": "t", "task": {"kind": "teacher-mlp", "inputDim": 8, "inputDim": 9},
  "optimizer": {"kind": "sgd", "lr": 0.1}, "name": "u",
  "grid": {"zip": [{"seed": [1]}, {"model.width": [1], "model.width": [2]}], "seed": [{"a": 1, "a": 2}]}}`;
  assert.deepEqual(problems(text, 'spec.json'), [
    'task.inputDim: duplicate key (line 1); each key may appear once',
    'name: duplicate key (line 2); each key may appear once',
    'grid.zip[1].model.width: duplicate key (line 3); each key may appear once',
    'grid.seed[0].a: duplicate key (line 3); each key may appear once',
  ]);
  // escaped spellings of the same key are the same key
  assert.deepEqual(problems('{"name": "t", "n\\u0061me": "u"}', 'spec.json'), ['name: duplicate key (line 1); each key may appear once']);
  // equal keys in different objects are fine, and so are strings that look like keys
  assert.deepEqual(problems(JSON.stringify({ ...BASE_JSON, description: '"name": "x", "name"', grid: { model: [{ width: 8 }, { width: 16 }] } }), 'spec.json'), []);
});

test('YAML duplicate keys are named by path too', () => {
  assert.deepEqual(problems(`${BASE}grid:\n  seed: [1]\n  zip:\n    - { model.width: [8], model.width: [16] }\n`),
    ['grid.zip[0].model.width: duplicate key (line 9, column 27); each key may appear once']);
});

test('analysis axes must be grid axes, naming the axes that exist', () => {
  const grid = 'grid:\n  model.width: [8, 16]\n  optimizer.lr: [0.1, 0.01]\n';
  const axes = '(the axes are model.width, optimizer.lr)';
  assert.deepEqual(problems(`${BASE}${grid}analysis: { lrTransfer: { over: model.widht } }\n`), [`analysis.lrTransfer.over: model.widht is not a grid axis ${axes}`]);
  assert.deepEqual(problems(`${BASE}${grid}analysis:\n  scalingLaws: [{ axis: step }, { axis: compute }, { axis: model.depth }]\n  phaseDiagram: {}\n  sharpness: { over: seed }\n  forgetting: {}\n`), [
    `analysis.scalingLaws[2].axis: model.depth is not a grid axis ${axes}`,
    `analysis.sharpness.over: seed is not a grid axis ${axes}`,
    `analysis.phaseDiagram.gamma: model.gamma is not a grid axis ${axes}`,
  ]);
  assert.deepEqual(problems(`${BASE}grid:\n  seed: [0, 1]\nanalysis: { scalingLaws: [{ axis: compute }] }\n`),
    ['analysis.scalingLaws[0].axis: model.width is not a grid axis: compute = width × step needs it (the axes are seed)']);
  assert.deepEqual(problems(`${BASE}analysis: { lrTransfer: {} }\n`), [
    'analysis.lrTransfer.over: model.width is not a grid axis (the sweep has no grid axes)',
    'analysis.lrTransfer.lr: optimizer.lr is not a grid axis (the sweep has no grid axes)',
  ]);
  // alignment falls back to the trial's own giant-step values, so a config key is enough
  assert.deepEqual(problems(`${BASE}grid:\n  seed: [0, 1]\nanalysis: { alignment: { over: giantStep.alpha, inputDim: task.inputDims } }\n`),
    ['analysis.alignment.inputDim: task.inputDims is neither a grid axis (the axes are seed) nor a trial config key']);
  assert.deepEqual(problems(`${BASE}${grid}analysis: { lrTransfer: { over: model.width }, scalingLaws: [{ axis: step }] }\n`), []);
});

test('infinite and NaN values are named as such, not as "null"', () => {
  assert.deepEqual(problems(`${BASE}grid: { optimizer.lr: { logspace: [.inf, 1, 3] } }\n`), ['grid.optimizer.lr.logspace[0]: must be a finite number, got infinity']);
  assert.deepEqual(problems(`${BASE}grid: { model.width: { linspace: [1, -.inf, 3] } }\n`), ['grid.model.width.linspace[1]: must be a finite number, got -infinity']);
  assert.deepEqual(problems(`${BASE}grid: { model.width: { pow2: [.nan, 8] } }\n`), ['grid.model.width.pow2[0]: must be a finite number, got NaN']);
  assert.deepEqual(problems(BASE.replace('lr: 0.1', 'lr: .inf')), ['optimizer.lr: must be a finite number, got infinity']);
  assert.deepEqual(problems(`${BASE}grid: { model.width: [8, .inf] }\n`), ['grid.model.width[1]: must be a finite number, got infinity']);
});

test('with an lr-descent search, a phaseDiagram section that names no gamma may only set the stability rule', () => {
  const grid = 'grid: { optimizer.lr: [0.01, 0.1, 1] }\nsearch: { kind: lr-descent }\n';
  assert.deepEqual(problems(`${BASE}${grid}analysis: { phaseDiagram: { stability: finite } }\n`), []);
  assert.deepEqual(problems(`${BASE}${grid}analysis: { phaseDiagram: { gamma: model.gama } }\n`),
    ['analysis.phaseDiagram.gamma: model.gama is not a grid axis (the axes are optimizer.lr)']);
  assert.deepEqual(problems(`${BASE}grid: { optimizer.lr: [0.01, 0.1, 1] }\nanalysis: { phaseDiagram: { stability: finite } }\n`),
    ['analysis.phaseDiagram.gamma: model.gamma is not a grid axis (the axes are optimizer.lr)']);
});

test('odd keys and axis names are quoted, and every problem stays one line', () => {
  assert.deepEqual(problems(`${BASE}" ": 1\n"a\\nb": 2\n`), ['[" "]: unknown key', '["a\\nb"]: unknown key']);
  assert.deepEqual(problems(BASE.replace("depth: 2 }", "depth: 2, \"\": 1 }")), ['model[""]: unknown key']);
  assert.deepEqual(problems(`${BASE}grid: { optimizer.lr: [0.1] }\nanalysis: { sharpness: { over: " " } }\n`), ['analysis.sharpness.over: " " is not a grid axis (the axes are optimizer.lr)']);
  const p = problems(`${BASE}grid: { "model.width\\nx": [1] }\n`);
  assert.deepEqual(p, ['grid.model.width x: not a dotted path into the trial config (e.g. model.width)']);
});
