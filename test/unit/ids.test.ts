// Trial ids depend on what a trial computes, not on how its spec was written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpec } from '../../core/config/spec.js';

const ids = (text: string, source = 'spec.yaml') => parseSpec(text, { source }).plans.map((p) => p.id);

const YAML_SPEC = `name: ids
task: { kind: teacher-mlp, inputDim: 8, trainSize: 64, testSize: 32 }
model: { width: 16, depth: 2, parametrization: mup }
optimizer: { kind: sgd, lr: 0.1 }
train: { steps: 10, batchSize: 16 }
grid:
  model.width: [16, 32]
  optimizer.lr: [0.01, 0.1]
`;

test('ids are 16 hex characters, distinct per grid point', () => {
  const a = ids(YAML_SPEC);
  assert.equal(a.length, 4);
  for (const id of a) assert.match(id, /^[0-9a-f]{16}$/);
  assert.equal(new Set(a).size, 4);
});

test('same ids from YAML and from JSON', () => {
  const json = JSON.stringify({
    name: 'ids',
    task: { kind: 'teacher-mlp', inputDim: 8, trainSize: 64, testSize: 32 },
    model: { width: 16, depth: 2, parametrization: 'mup' },
    optimizer: { kind: 'sgd', lr: 0.1 },
    train: { steps: 10, batchSize: 16 },
    grid: { 'model.width': [16, 32], 'optimizer.lr': [0.01, 0.1] },
  }, null, 2);
  assert.deepEqual(ids(json, 'spec.json'), ids(YAML_SPEC));
});

test('same ids with keys in another order and other formatting', () => {
  const reordered = `grid:
  model.width: [16, 32]
  optimizer.lr: [1e-2, 1.0e-1]
train:
  batchSize: 16
  steps: 10
optimizer:
  lr: 0.10
  kind: "sgd"
model: { parametrization: mup, depth: 2.0, width: 16 }
task:
  testSize: 32
  trainSize: 64
  inputDim: 8
  kind: teacher-mlp
name: ids
`;
  assert.deepEqual(ids(reordered), ids(YAML_SPEC));
});

test('a generated value equals the typed literal: logspace 0.01..0.1 ≡ [0.01, 0.1]', () => {
  const generated = YAML_SPEC.replace('optimizer.lr: [0.01, 0.1]', 'optimizer.lr: { logspace: [0.01, 0.1, 2] }');
  assert.deepEqual(ids(generated), ids(YAML_SPEC));
  // a logspace with interior decades hits 0.1 and 0.01 too
  const fine = YAML_SPEC.replace('optimizer.lr: [0.01, 0.1]', 'optimizer.lr: { logspace: [0.001, 1, 10] }');
  const fineIds = new Set(ids(fine));
  for (const id of ids(YAML_SPEC)) assert.ok(fineIds.has(id), 'logspace decade point matches literal');
});

test('explicit defaults and omitted keys give the same id', () => {
  const explicit = YAML_SPEC.replace('model: { width: 16, depth: 2, parametrization: mup }',
    'model: { kind: mlp, activation: relu, width: 16, depth: 2, parametrization: mup, gamma: 1, bias: false }');
  assert.deepEqual(ids(`${explicit}seed: 0\n`), ids(YAML_SPEC));
});

test('backend settings do not change the id; what the trial computes does', () => {
  assert.deepEqual(ids(`${YAML_SPEC}backend: { name: wasm, threads: 1 }\n`), ids(YAML_SPEC));
  assert.notDeepEqual(ids(`${YAML_SPEC}seed: 1\n`), ids(YAML_SPEC));
  assert.notDeepEqual(ids(YAML_SPEC.replace('depth: 2', 'depth: 3')), ids(YAML_SPEC));
});

test('the grid order does not change a trial id, only its position', () => {
  const swapped = YAML_SPEC.replace('  model.width: [16, 32]\n  optimizer.lr: [0.01, 0.1]\n', '  optimizer.lr: [0.01, 0.1]\n  model.width: [16, 32]\n');
  const a = ids(YAML_SPEC);
  const b = ids(swapped);
  assert.deepEqual([...b].sort(), [...a].sort());
  assert.deepEqual(b, [a[0], a[2], a[1], a[3]]);
});

test('canonicalJson equals the RFC 8785 reference implementation on varied data', async () => {
  const { canonicalJson } = await import('../../core/ids.js');
  const ref = (await import('canonicalize')).default as unknown as (v: unknown) => string;
  const { Rng } = await import('../../core/rng.js');
  const rng = new Rng(1, 'canonical-json-test');
  const keys = ['a', 'B', 'b', 'é', '\u{1F600}', 'aa', '_x', 'Z9', '10', '9', 'key with space', '"q"', '\n'];
  const numbers = [0, -0, 1, -1, 0.1, 1e21, 1e-7, 5e-324, 1.7976931348623157e308, 123456789012345680000, 0.000001, 2 ** 53, 1 / 3];
  const strings = ['', 'x', 'line\nbreak', 'tab\t', 'quote"', 'back\\slash', '\u0001', 'é', '\u{1F600}', '\u2028'];
  const gen = (depth: number): unknown => {
    const r = rng.int(depth > 3 ? 4 : 7);
    if (r === 0) return numbers[rng.int(numbers.length)];
    if (r === 1) return strings[rng.int(strings.length)];
    if (r === 2) return rng.int(2) === 0;
    if (r === 3) return null;
    if (r === 4) return Array.from({ length: rng.int(4) }, () => gen(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = rng.int(5); i > 0; i--) o[keys[rng.int(keys.length)]] = rng.int(8) === 0 ? undefined : gen(depth + 1);
    return o;
  };
  for (let i = 0; i < 2000; i++) {
    const v = gen(0);
    assert.equal(canonicalJson(v), ref(v), JSON.stringify(v));
  }
  assert.throws(() => canonicalJson({ a: Number.NaN }), /NaN/);
  assert.throws(() => canonicalJson({ a: Infinity }), /Infinity/);
});
