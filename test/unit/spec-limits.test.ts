// Spec size limits: a spec over any of them is refused before it is parsed whole or expanded,
// with one message naming the limit (exit 2 from the CLI), whatever its size on disk.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../core/config/errors.js';
import { parseSpec, resolveSpec } from '../../core/config/spec.js';
import { MAX_ALIAS_COUNT, MAX_AXIS_VALUES, MAX_GRID_AXES, MAX_SPEC_BYTES, MAX_SPEC_DEPTH, MAX_SPEC_NODES } from '../../core/config/spec-limits.js';
import { hasStackTrace, runCli } from './cli-run.js';

const dir = mkdtempSync(join(tmpdir(), 'sweep-spec-limits-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const BASE = `name: big
task: { kind: teacher-mlp, inputDim: 8, trainSize: 64, testSize: 32 }
model: { width: 16, depth: 2 }
optimizer: { kind: sgd, lr: 0.1 }
train: { steps: 10, batchSize: 16 }
`;

function problems(text: string, source = 'spec.yaml'): string[] {
  try {
    parseSpec(text, { source, yes: true });
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.problems;
  }
}

/** Writes BASE plus one list axis of `count` values, in pieces (never the whole text in memory). */
function writeListSpec(file: string, count: number): number {
  const fd = openSync(file, 'w');
  let bytes = writeSync(fd, `${BASE}grid:\n  seed: [0`);
  const chunk = Array.from({ length: 10_000 }, (_, i) => `, ${i + 1_000_000}`).join('');
  for (let n = 1; n < count; n += 10_000) bytes += writeSync(fd, chunk);
  bytes += writeSync(fd, ']\n');
  closeSync(fd);
  return bytes;
}

test('a 47 MB spec (one list axis of 6·10⁶ values) is refused by its size, exit 2, one line', () => {
  const file = join(dir, 'huge.yaml');
  const bytes = writeListSpec(file, 6_000_000);
  assert.ok(bytes > 47e6, `${bytes} bytes`);
  const r = runCli(['validate', file]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^sweep: invalid .*huge\.yaml: \(file\): \d+\.\d MiB is more than the 1\.0 MiB a spec may have/);
  assert.ok(!hasStackTrace(r.stderr), r.stderr);
  assert.equal(r.stdout, '');
});

test('the same 47 MB spec as JSON text in-process: refused by size before parsing', () => {
  assert.deepEqual(problems(`{"name": "x", "grid": {"seed": [${'1,'.repeat(600_000)}1]}}`, 'spec.json'),
    ['(file): 1.1 MiB is more than the 1.0 MiB a spec may have; use generators such as {logspace: [from, to, num]} for long axes']);
});

test('more values than the limit, under the byte limit: counted by the lexer', () => {
  const list = `[${'0,'.repeat(MAX_SPEC_NODES / 4)}0]`;
  const text = `${BASE}grid:\n  seed: ${list}\n  model.width: ${list}\n  model.depth: ${list}\n  train.steps: ${list}\n`;
  assert.ok(Buffer.byteLength(text) <= MAX_SPEC_BYTES);
  assert.deepEqual(problems(text), [`(top level): more than ${MAX_SPEC_NODES} values (the limit for a spec); use generators such as {logspace: [from, to, num]} for long axes`]);
});

test('more values than the limit in JSON (parsed fast, counted after)', () => {
  const text = `{"name": "x", "grid": {"seed": [${'0,'.repeat(MAX_SPEC_NODES)}0]}}`;
  assert.deepEqual(problems(text, 'spec.json'), [`(top level): more than ${MAX_SPEC_NODES} values (the limit for a spec); use generators such as {logspace: [from, to, num]} for long axes`]);
});

test('one list axis longer than the per-axis limit: a [...] list by the lexer, a block list after parsing', () => {
  const values = Array.from({ length: MAX_AXIS_VALUES + 1 }, (_, i) => i);
  assert.deepEqual(problems(`${BASE}grid:\n  seed: [${values.join(',')}]\n`), [`line 7: a list of more than ${MAX_AXIS_VALUES} values (the most one grid axis may have)`]);
  assert.deepEqual(problems(`${BASE}grid:\n  seed:\n${values.map((v) => `  - ${v}`).join('\n')}\n`), [`grid.seed: ${MAX_AXIS_VALUES + 1} values is more than the ${MAX_AXIS_VALUES} one axis may have`]);
  assert.deepEqual(problems(JSON.stringify({ name: 'x', task: { kind: 'teacher-mlp' }, optimizer: { kind: 'sgd', lr: 0.1 }, grid: { seed: values } }), 'spec.json'), [`grid.seed: ${MAX_AXIS_VALUES + 1} values is more than the ${MAX_AXIS_VALUES} one axis may have`]);
});

test('nesting deeper than the limit: flow lists in YAML (before the parser recurses), any data in-process', () => {
  assert.deepEqual(problems(`${BASE}grid:\n  seed: [${'['.repeat(50_000)}${']'.repeat(50_000)}]\n`),
    [`line 7: lists or mappings nested more than ${MAX_SPEC_DEPTH} levels deep (the limit for a spec)`]);
  let deep: unknown = 1;
  for (let i = 0; i < 10_000; i++) deep = { a: deep };
  assert.throws(() => resolveSpec({ name: 'x', description: deep }), (err: unknown) =>
    err instanceof ConfigError && err.problems.length === 1 && /nested more than 32 levels deep/.test(err.problems[0]));
});

test('YAML aliases that expand exponentially ("billion laughs") are refused', () => {
  const text = `${BASE}description: x
a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
a1: &a1 [*a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0]
a2: &a2 [*a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1]
a3: &a3 [*a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2]
a4: [*a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3]
`;
  assert.deepEqual(problems(text), [`(top level): YAML aliases expand to more than ${MAX_ALIAS_COUNT} copies (the limit for a spec)`]);
});

test('a few plain aliases are fine', () => {
  const r = parseSpec(`${BASE.replace('model: { width: 16, depth: 2 }', 'model: &m { width: 16, depth: 2 }')}grid:\n  model: [*m]\n`);
  assert.equal(r.plans[0].config.model.width, 16);
});

test('the product of the axis lengths is refused before any value is checked or expanded', () => {
  // 8 axes of 10 values: 10⁸ points; one invalid value would be reported only if values were checked
  const axes = ['seed', 'model.width', 'model.depth', 'train.steps', 'train.batchSize', 'train.evalEvery', 'task.testSize', 'task.teacherWidth'];
  const grid = axes.map((a, k) => `  ${a}: [${Array.from({ length: 10 }, (_, i) => (k === 0 && i === 9 ? -1 : i + 1)).join(', ')}]`).join('\n');
  assert.deepEqual(problems(`${BASE}grid:\n${grid}\n`), ['grid: 100000000 trials is more than a sweep can hold (1000000); use search: {kind: random, samples: N}']);
});

test('an unreadable spec and a directory are one-line errors', () => {
  assert.equal(runCli(['validate', join(dir, 'nope.yaml')]).stderr.trim(), `sweep: invalid ${join(dir, 'nope.yaml')}: (file): cannot read spec (no such file)`);
  const r = runCli(['validate', dir]);
  assert.equal(r.code, 2);
  assert.match(r.stderr.trim(), /^sweep: invalid .*: \(file\): cannot read spec \(EISDIR\)$/);
});

test('block nesting deeper than the limit is refused by the lexer (the parser would overflow its stack)', () => {
  let text = '';
  for (let i = 0; i < 1400; i++) text += `${' '.repeat(i)}a:\n`;
  assert.deepEqual(problems(text), [`line 34: lists or mappings nested more than ${MAX_SPEC_DEPTH} levels deep (the limit for a spec)`]);
  let seq = '';
  for (let i = 0; i < 900; i++) seq += `${' '.repeat(i)}-\n`;
  assert.match(problems(seq)[0], /^line \d+: lists or mappings nested more than 32 levels deep/);
  assert.match(problems(`${BASE}description: ${'- '.repeat(100)}x\n`)[0], /^line 6: lists or mappings nested more than 32 levels deep/);
});

test('a mapping with 9·10⁴ keys is checked (duplicates by a Set, not pairwise)', () => {
  const keys = Array.from({ length: 90_000 }, (_, i) => `k${i}: 1`);
  const text = `{${keys.join(', ')}, k7: 2}`;
  assert.deepEqual(problems(text), [`k7: duplicate key (line 1, column ${text.lastIndexOf('k7: 2') + 1}); each key may appear once`]);
});

test('the CLI prints a screenful of problems, then how many more there are', () => {
  const file = join(dir, 'many.yaml');
  writeFileSync(file, `${BASE}${Array.from({ length: 200 }, (_, i) => `junk${i}: 1`).join('\n')}\n`);
  const r = runCli(['validate', file]);
  assert.equal(r.code, 2);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines[0], `sweep: invalid ${file}: junk0: unknown key (and 199 more)`);
  assert.equal(lines.length, 51);
  assert.equal(lines[49], '  junk49: unknown key');
  assert.equal(lines[50], '  … 150 more not shown');
});

test('a grid of more axes than the limit is refused before any axis is read (zipped axes count)', () => {
  const axes = Array.from({ length: 20_000 }, (_, i) => `  k${i}: [1]`).join('\n');
  assert.deepEqual(problems(`${BASE}grid:\n${axes}\n`), [`grid: 20000 axes is more than the ${MAX_GRID_AXES} a grid may have`]);
  const zip = Array.from({ length: 20_000 }, (_, i) => `    - { seed: [${i}] }`).join('\n');
  assert.deepEqual(problems(`${BASE}grid:\n  zip:\n${zip}\n`), [`grid: 20000 axes is more than the ${MAX_GRID_AXES} a grid may have`]);
  assert.deepEqual(problems(`${BASE}analysis: { scalingLaws: [${Array(33).fill('{ axis: step }').join(', ')}] }\n`), ['analysis.scalingLaws: must have at most 32 items']);
});

test('indented comments and block text do not count as nesting', () => {
  const comments = Array.from({ length: 60 }, (_, i) => `${' '.repeat(i)}# note`).join('\n');
  const block = Array.from({ length: 50 }, (_, i) => `${' '.repeat(i + 2)}x`).join('\n');
  const r = parseSpec(`${comments}\n${BASE}description: |\n${block}\n`);
  assert.equal(r.plans.length, 1);
  assert.ok((r.spec.description ?? '').endsWith(`\n${' '.repeat(49)}x\n`));
});
