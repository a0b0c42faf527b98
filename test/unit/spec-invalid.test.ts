// Invalid sweep specs: each must be refused with every problem named as "path: problem".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../core/config/errors.js';
import { parseSpec, type ParseOptions } from '../../core/config/spec.js';

const BASE = `name: t
task: { kind: teacher-mlp, inputDim: 8, trainSize: 64, testSize: 32 }
model: { width: 16, depth: 2 }
optimizer: { kind: sgd, lr: 0.1 }
train: { steps: 10, batchSize: 16 }
`;

/** The problems parseSpec reports for `text`, or [] if it is accepted. */
function problems(text: string, opts: ParseOptions = {}): string[] {
  try {
    parseSpec(text, opts);
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.problems;
  }
}

/** BASE with `section` lines replaced/added (a YAML top-level key per line) plus a grid. */
function spec(overrides: Record<string, string>, grid?: string): string {
  const lines = BASE.trimEnd().split('\n');
  const out: string[] = [];
  const used = new Set<string>();
  for (const line of lines) {
    const key = line.slice(0, line.indexOf(':'));
    if (key in overrides) {
      used.add(key);
      if (overrides[key] !== '') out.push(`${key}: ${overrides[key]}`);
    } else out.push(line);
  }
  for (const [k, v] of Object.entries(overrides)) if (!used.has(k) && v !== '') out.push(`${k}: ${v}`);
  if (grid) out.push('grid:', ...grid.trim().split('\n').map((l) => `  ${l}`));
  return `${out.join('\n')}\n`;
}

const MODEL_KEYS = 'kind, activation, depth, width, parametrization, gamma, center, bias';
const GRID_HINT = 'must be a list of values or one of {logspace: [from, to, num]}, {linspace: [from, to, num]}, {pow2: [from, to]}';

const cases: { name: string; text: string; expect: string[]; opts?: ParseOptions }[] = [
  { name: 'unknown top-level key', text: spec({ foo: '1' }), expect: ['foo: unknown key'] },
  { name: 'unknown nested key', text: spec({ model: '{ width: 16, widht: 3 }' }), expect: ['model.widht: unknown key'] },
  { name: 'wrong type', text: spec({ model: '{ depth: three }' }), expect: ['model.depth: must be a number, got "three"'] },
  { name: 'non-integer width', text: spec({ model: '{ width: 16.5 }' }), expect: ['model.width: must be an integer, got 16.5'] },
  { name: 'empty axis', text: spec({}, 'model.width: []'), expect: ['grid.model.width: empty axis (give at least one value)'] },
  { name: 'lr <= 0 in the base', text: spec({ optimizer: '{ kind: sgd, lr: 0 }' }), expect: ['optimizer.lr: must be > 0, got 0'] },
  { name: 'lr <= 0 on an axis', text: spec({}, 'optimizer.lr: [0.1, -0.01]'), expect: ['grid.optimizer.lr[1]: must be > 0, got -0.01'] },
  { name: 'width < 1 on an axis', text: spec({}, 'model.width: [0, 16]'), expect: ['grid.model.width[0]: must be >= 1, got 0'] },
  {
    name: 'gamma below the float32 precision range',
    text: spec({ model: '{ gamma: 0.001 }' }),
    expect: ['model.gamma: below 0.01: float32 cannot resolve the centered output there'],
  },
  { name: 'gamma above the range on an axis', text: spec({}, 'model.gamma: [1, 1e5]'), expect: ['grid.model.gamma[1]: must be <= 10000, got 100000'] },
  {
    name: 'zip lists of unequal length',
    text: spec({}, 'zip:\n  - model.depth: [2, 3]\n    train.steps: [10, 20, 30]'),
    expect: ['grid.zip[0]: zipped axes must have equal lengths (model.depth has 2, train.steps has 3)'],
  },
  {
    name: 'grid path that is not in the trial config',
    text: spec({}, 'model.widht: [16, 32]'),
    expect: [`grid.model.widht: not a trial config key (model has ${MODEL_KEYS})`],
  },
  { name: 'grid path below a number', text: spec({}, 'seed.x: [1]'), expect: ['grid.seed.x: not a trial config key (seed has no keys)'] },
  {
    name: 'grid path of another task kind',
    text: spec({}, 'task.harmonics: [8]'),
    expect: ['grid.task.harmonics: not a trial config key (task of kind teacher-mlp has kind, inputDim, outputDim, trainSize, testSize, teacherWidth, teacherDepth, teacherActivation, noise, seed)'],
  },
  {
    name: 'duplicate axis (top level and zip)',
    text: spec({}, 'model.width: [16, 32]\nzip:\n  - model.width: [8]\n    seed: [1]'),
    expect: ['grid.zip[0].model.width: duplicate axis (also at grid.model.width)'],
  },
  {
    name: 'an axis inside another axis',
    text: spec({}, 'model: [{ width: 8 }]\nmodel.width: [16]'),
    expect: ['grid.model.width: overlaps axis model (at grid.model); an axis and a key inside it cannot both vary'],
  },
  {
    name: 'grid too large without --yes',
    text: spec({}, 'model.width: { linspace: [1, 20, 20] }\nmodel.depth: { linspace: [1, 20, 20] }\nseed: { linspace: [0, 19, 20] }'),
    expect: ['grid: 8000 trials is more than 5000; pass --yes to run them'],
  },
  {
    name: 'random sample too large without --yes',
    text: spec({ search: '{ kind: random, samples: 30 }' }, 'seed: { linspace: [0, 99, 100] }'),
    opts: { confirmTrials: 20 },
    expect: ['search.samples: 30 trials is more than 20; pass --yes to run them'],
  },
  { name: 'missing name', text: spec({ name: '' }), expect: ['name: is required'] },
  {
    name: 'name unusable as a folder',
    text: spec({ name: '"my sweep"' }),
    expect: ['name: must be letters, digits, - or _ (it names the output folder), starting with a letter or digit'],
  },
  { name: 'missing optimizer', text: spec({ optimizer: '' }), expect: ['optimizer: is required'] },
  { name: 'optimizer without kind', text: spec({ optimizer: '{ lr: 0.1 }' }), expect: ['optimizer.kind: must be one of sgd, adam'] },
  {
    name: 'unknown task kind',
    text: spec({ task: '{ kind: teacher }' }),
    expect: ['task.kind: must be one of teacher-mlp, circle-power-law, multi-index, gaussian-mixture, teacher-classes, file, mnist, continual'],
  },
  { name: 'logspace from 0', text: spec({}, 'optimizer.lr: { logspace: [0, 1, 5] }'), expect: ['grid.optimizer.lr.logspace[0]: must be > 0, got 0'] },
  {
    name: 'logspace with a fractional count',
    text: spec({}, 'optimizer.lr: { logspace: [0.01, 1, 2.5] }'),
    expect: ['grid.optimizer.lr.logspace[2]: must be a whole number of points >= 1, got 2.5'],
  },
  { name: 'logspace with two arguments', text: spec({}, 'optimizer.lr: { logspace: [0.01, 1] }'), expect: ['grid.optimizer.lr.logspace: must be [from, to, num]'] },
  { name: 'linspace with a string', text: spec({}, 'model.width: { linspace: [8, "x", 3] }'), expect: ['grid.model.width.linspace[1]: must be a number, got "x"'] },
  {
    name: 'unknown generator',
    text: spec({}, 'optimizer.lr: { geomspace: [0.01, 1, 3] }'),
    expect: ['grid.optimizer.lr.geomspace: unknown generator (use logspace, linspace or pow2)'],
  },
  { name: 'pow2 without a power in range', text: spec({}, 'model.width: { pow2: [100, 120] }'), expect: ['grid.model.width.pow2: no power of two between 100 and 120'] },
  { name: 'pow2 reversed', text: spec({}, 'model.width: { pow2: [256, 64] }'), expect: ['grid.model.width.pow2: from (256) must be <= to (64)'] },
  { name: 'axis given as a scalar', text: spec({}, 'model.width: 64'), expect: [`grid.model.width: ${GRID_HINT}`] },
  { name: 'malformed dotted path', text: spec({}, 'model..width: [8]'), expect: ['grid.model..width: not a dotted path into the trial config (e.g. model.width)'] },
  { name: 'zip not a list', text: spec({}, 'zip: { model.width: [8] }'), expect: ['grid.zip: must be a list of groups, each a mapping of axes that vary together'] },
  { name: 'nested zip', text: spec({}, 'zip:\n  - zip: []'), expect: ['grid.zip[0].zip: zip groups cannot be nested'] },
  { name: 'negative seed on an axis', text: spec({}, 'seed: [-1, 0]'), expect: ['grid.seed[0]: must be >= 0, got -1'] },
  {
    name: 'unknown parametrization on an axis',
    text: spec({}, 'model.parametrization: [sp, mu]'),
    expect: ['grid.model.parametrization[1]: must be one of sp, ntk, mup, got "mu"'],
  },
  {
    name: 'bad task object on a whole-section axis',
    text: spec({}, 'task:\n  - { kind: teacher-mlp }\n  - { kind: circle-power-law, q: -1 }'),
    expect: ['grid.task[1].q: must be > 0, got -1'],
  },
  { name: 'random search without samples', text: spec({ search: '{ kind: random }' }), expect: ['search.samples: is required'] },
  { name: 'unknown search kind', text: spec({ search: '{ kind: bayes }' }), expect: ['search.kind: must be one of grid, random, lr-descent, lr-refine'] },
  {
    name: 'lr-descent without an lr axis',
    text: spec({ search: '{ kind: lr-descent }' }, 'model.width: [16, 32]'),
    expect: ['search.lr: optimizer.lr is not a grid axis (lr-descent searches along a learning-rate axis)'],
  },
  { name: 'parallelism 0', text: spec({ execution: '{ parallelism: 0 }' }), expect: ['execution.parallelism: must be >= 1, got 0'] },
  { name: 'unknown analysis', text: spec({ analysis: '{ lrTransfr: {} }' }), expect: ['analysis.lrTransfr: unknown key'] },
  { name: 'bootstrap too small', text: spec({ analysis: '{ lrTransfer: { bootstrap: 5 } }' }), expect: ['analysis.lrTransfer.bootstrap: must be >= 10, got 5'] },
  {
    name: 'backend on an axis',
    text: spec({}, 'backend.threads: [1, 2]'),
    expect: ['grid.backend.threads: backend settings cannot vary within a sweep (set backend in the base config)'],
  },
  { name: 'description not a string', text: spec({ description: '3' }), expect: ['description: must be a string, got 3'] },
  {
    name: 'a combination of axis values that is invalid only together (named by its grid point)',
    text: spec({ task: '{ kind: continual, base: { kind: teacher-mlp, inputDim: 4, trainSize: 64, testSize: 32 } }' }, 'train.steps: [10, 12]\ntask.tasks: [2, 3]'),
    expect: ['grid point train.steps=10 task.tasks=3: train.steps: must be a multiple of task.tasks (3) so every task trains equally long, got 10'],
  },
  { name: 'duplicate YAML key (named by its path)', text: `${BASE}name: u\n`, expect: ['name: duplicate key (line 6, column 1); each key may appear once'] },
  { name: 'top level not a mapping', text: '- 1\n- 2\n', expect: ['(top level): must be a mapping with name, task, model, optimizer, grid, ...'] },
];

for (const c of cases) {
  test(`invalid spec: ${c.name}`, () => {
    assert.deepEqual(problems(c.text, c.opts), c.expect);
  });
}

test('there are at least 25 invalid-spec cases', () => {
  assert.ok(cases.length >= 25, `${cases.length} cases`);
});

test('every problem is reported at once, base and grid alike', () => {
  const text = spec({ name: '"a b"', model: '{ depth: 0, widht: 1 }', optimizer: '{ kind: sgd, lr: -1 }', execution: '{ parallelism: 0 }' },
    'model.width: [16, 0]\nmodel.gamma: []\nmodel.bogus: [1]');
  assert.deepEqual(problems(text), [
    'name: must be letters, digits, - or _ (it names the output folder), starting with a letter or digit',
    'execution.parallelism: must be >= 1, got 0',
    'grid.model.gamma: empty axis (give at least one value)',
    `grid.model.bogus: not a trial config key (model has ${MODEL_KEYS})`,
    'model.depth: must be >= 1, got 0',
    'model.widht: unknown key',
    'optimizer.lr: must be > 0, got -1',
    'grid.model.width[1]: must be >= 1, got 0',
  ]);
});

test('--yes accepts a large grid', () => {
  const text = spec({}, 'model.width: { linspace: [1, 20, 20] }\nmodel.depth: { linspace: [1, 20, 20] }\nseed: { linspace: [0, 19, 20] }');
  assert.equal(parseSpec(text, { yes: true }).plans.length, 8000);
});

test('a JSON spec with a syntax error names JSON', () => {
  const p = problems('{"name": "t",}', { source: 'spec.json' });
  assert.equal(p.length, 1);
  assert.match(p[0], /^\(top level\): not valid JSON: /);
});

test('the ConfigError message names the source file', () => {
  try {
    parseSpec(spec({ foo: '1' }), { source: 'sweeps/a.yaml' });
    assert.fail('accepted');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.message, 'sweeps/a.yaml: foo: unknown key');
  }
});
