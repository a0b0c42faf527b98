// Property: random mutations of valid specs (the shipped examples and the README's spec) never
// crash the spec checker. Every mutated spec is either refused with ConfigError lines naming
// what is wrong (the CLI: exit 2, one line plus details, no stack trace) or accepted, and then
// every expanded trial config is exactly what trials.jsonl would record: it re-validates to
// itself through canonical JSON, keeps its id, and holds each scalar axis value as planned.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import YAML from 'yaml';
import { ConfigError } from '../../core/config/errors.js';
import { MAX_SPEC_BYTES } from '../../core/config/spec-limits.js';
import { parseSpec } from '../../core/config/spec.js';
import { trialConfigSchema } from '../../core/config/trial.js';
import { getPath } from '../../core/grid/paths.js';
import { canonicalJson, trialId } from '../../core/ids.js';
import { MAX_SHOWN } from '../../workers/cli.js';
import { hasStackTrace, runCli } from './cli-run.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sweep-spec-property-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The seed specs as data: every example, and the README's spec-reference example. */
const seeds: unknown[] = [
  ...readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.yaml') && !f.endsWith('.expect.yaml')).sort()
    .map((f) => YAML.parse(readFileSync(join(root, 'examples', f), 'utf8'))),
  YAML.parse(/## Sweep spec reference[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readFileSync(join(root, 'README.md'), 'utf8'))![1]),
];

type Json = unknown;
type Path = (string | number)[];

/** Every path to a value (the root included), in a fixed order. */
function paths(v: Json, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v && typeof v === 'object') for (const k of Object.keys(v)) paths((v as Record<string, Json>)[k], [...at, k], out);
  return out;
}

/** Sets an own key (even `__proto__`) without touching any prototype. */
function put(obj: Record<string, Json>, key: string, value: Json): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A copy of `v` with `f` applied to the value at `path`; f returns undefined to delete it. */
function update(v: Json, path: Path, f: (old: Json) => Json | undefined): Json {
  if (!path.length) return f(v) ?? {};
  const [head, ...rest] = path;
  if (Array.isArray(v)) {
    const out = [...v];
    const next = rest.length ? update(v[head as number], rest, f) : f(v[head as number]);
    if (next === undefined) out.splice(head as number, 1);
    else out[head as number] = next;
    return out;
  }
  const out: Record<string, Json> = {};
  for (const k of Object.keys(v as object)) {
    if (k !== head) put(out, k, (v as Record<string, Json>)[k]);
    else {
      const next = rest.length ? update((v as Record<string, Json>)[k], rest, f) : f((v as Record<string, Json>)[k]);
      if (next !== undefined) put(out, k, next);
    }
  }
  return out;
}

const hostileKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'widht', 'model.__proto__', 'grid', '', 'model.width', 'zip'),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
);
const hostileNumber = fc.oneof(
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 1e308, -1, 0, 1, 0.5, 1e9, 1e15, 2 ** 53 + 2, 1e-320),
  fc.double(),
  fc.integer(),
);
const hostileValue: fc.Arbitrary<Json> = fc.oneof(
  hostileNumber,
  fc.string({ maxLength: 10 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
  fc.boolean(),
  fc.constant(null),
  fc.array(hostileNumber, { maxLength: 4 }),
  fc.dictionary(hostileKey, hostileNumber, { maxKeys: 3 }),
);
const axisPath = fc.constantFrom('model.width', 'model.depth', 'model.gamma', 'optimizer.lr', 'seed', 'train.steps', 'train.batchSize',
  'task.inputDim', 'task.trainSize', 'model', 'optimizer', 'task', 'model.__proto__', '__proto__.x', 'constructor', 'backend.threads', 'measure.sharpness.every');

type Mutation =
  | { kind: 'delete' | 'nest' | 'longList'; at: number; n: number }
  | { kind: 'rename'; at: number; to: string }
  | { kind: 'set'; at: number; value: Json }
  | { kind: 'protoKey'; at: number; key: string; value: Json }
  | { kind: 'axis'; path: string; values: Json };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom('delete' as const, 'nest' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 60 }) }),
  fc.record({ kind: fc.constant('longList' as const), at: fc.nat(), n: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 2, max: 3000 }) }, { weight: 1, arbitrary: fc.constant(100_001) }) }),
  fc.record({ kind: fc.constant('rename' as const), at: fc.nat(), to: hostileKey }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: hostileValue }),
  fc.record({ kind: fc.constant('protoKey' as const), at: fc.nat(), key: fc.constantFrom('__proto__', 'constructor', 'prototype'), value: hostileValue }),
  fc.record({ kind: fc.constant('axis' as const), path: axisPath, values: fc.oneof(fc.array(hostileValue, { minLength: 1, maxLength: 4 }), hostileValue,
    fc.record({ logspace: fc.array(hostileNumber, { maxLength: 4 }) }), fc.record({ pow2: fc.array(hostileNumber, { maxLength: 3 }) })) }),
);

function mutate(spec: Json, m: Mutation): Json {
  if (m.kind === 'axis') {
    const grid = (spec as Record<string, Json>).grid;
    const next: Record<string, Json> = {};
    if (grid && typeof grid === 'object' && !Array.isArray(grid)) for (const k of Object.keys(grid)) put(next, k, (grid as Record<string, Json>)[k]);
    put(next, m.path, m.values);
    return update(spec, [], (s) => (s && typeof s === 'object' && !Array.isArray(s) ? { ...(s as object), grid: next } : s));
  }
  const all = paths(spec);
  const at = all[m.at % all.length];
  switch (m.kind) {
    case 'delete': return at.length ? update(spec, at, () => undefined) : spec;
    case 'nest': return update(spec, at, (old) => {
      let v = old;
      for (let i = 0; i < m.n; i++) v = i % 2 ? [v] : { x: v };
      return v;
    });
    case 'longList': return update(spec, at, (old) => Array.from({ length: m.n }, (_, i) => (typeof old === 'number' ? old + i : i)));
    case 'set': return update(spec, at, () => m.value);
    case 'rename': {
      if (!at.length || typeof at[at.length - 1] !== 'string') return spec;
      const key = at[at.length - 1] as string;
      return update(spec, at.slice(0, -1), (parent) => {
        const out: Record<string, Json> = {};
        for (const k of Object.keys(parent as object)) put(out, k === key ? m.to : k, (parent as Record<string, Json>)[k]);
        return out;
      });
    }
    case 'protoKey': return update(spec, at, (old) => {
      if (!old || typeof old !== 'object' || Array.isArray(old)) return old;
      const out: Record<string, Json> = {};
      for (const k of Object.keys(old)) put(out, k, (old as Record<string, Json>)[k]);
      put(out, m.key, m.value);
      return out;
    });
  }
}

const cases = fc.record({
  seed: fc.nat(),
  mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }),
  json: fc.boolean(),
  /** a key of the top-level mapping written twice in the JSON text */
  duplicate: fc.boolean(),
  yes: fc.boolean(),
});
type Case = typeof cases extends fc.Arbitrary<infer T> ? T : never;

function textOf(c: Case): { text: string; source: string; duplicated?: string } {
  const spec = c.mutations.reduce(mutate, seeds[c.seed % seeds.length]);
  if (!c.json) return { text: YAML.stringify(spec, { aliasDuplicateObjects: false }), source: 'spec.yaml' };
  const text = JSON.stringify(spec) ?? 'null';
  const first = /^\{"((?:[^"\\]|\\.)*)":/.exec(text);
  if (c.duplicate && first) return { text: `{"${first[1]}":0,${text.slice(1)}`, source: 'spec.json', duplicated: JSON.parse(`"${first[1]}"`) as string };
  return { text, source: 'spec.json' };
}

const unpolluted = () => assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), PROTO_KEYS);
const PROTO_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();

/** SWEEP_PROPERTY_RUNS raises the number of in-process cases (e.g. 20000 for a long hunt); SWEEP_PROPERTY_SEED replays a failure. */
const RUNS = Number(process.env.SWEEP_PROPERTY_RUNS ?? 300);
const SEED = process.env.SWEEP_PROPERTY_SEED === undefined ? {} : { seed: Number(process.env.SWEEP_PROPERTY_SEED) };

test('mutated specs: refused with path-naming lines, or accepted with every trial recorded as it runs', (t) => {
  let accepted = 0, refused = 0;
  fc.assert(fc.property(cases, (c) => {
    const { text, source, duplicated } = textOf(c);
    let resolved;
    try {
      resolved = parseSpec(text, { source, yes: c.yes });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err; // a crash, not a refusal
      assert.ok(err.problems.length > 0);
      for (const p of err.problems) assert.match(p, /^\S.*: \S/, `a "path: problem" line: ${JSON.stringify(p)}`);
      for (const p of err.problems) assert.ok(!p.includes('\n'), `one line: ${JSON.stringify(p)}`);
      // a text over the size limit is refused before it is parsed, so its duplicate is not reached
      const unparsed = err.problems.some((p) => p.startsWith('(top level): not valid JSON')) || Buffer.byteLength(text) > MAX_SPEC_BYTES;
      if (duplicated !== undefined && !unparsed) {
        assert.ok(err.problems.some((p) => p.includes('duplicate key')), `duplicate ${duplicated} refused: ${err.problems.join('; ')}`);
      }
      refused++;
      unpolluted();
      return;
    }
    assert.equal(duplicated, undefined, `a JSON text with "${duplicated}" twice was accepted`);
    accepted++;
    for (const plan of resolved.plans.slice(0, 200)) {
      const recorded = JSON.parse(canonicalJson(plan.config));
      const again = trialConfigSchema.parse(recorded);
      assert.equal(canonicalJson(again), canonicalJson(plan.config), 'the recorded config re-validates to itself');
      assert.equal(trialId(again), plan.id);
      for (const [path, value] of Object.entries(plan.axes)) {
        if (typeof value !== 'object' || value === null) assert.equal(getPath(plan.config, path), value, `axis ${path}`);
      }
    }
    unpolluted();
  }), { numRuns: RUNS, includeErrorInReport: true, ...SEED });
  t.diagnostic(`${accepted} accepted, ${refused} refused`);
  // the mutations are not all refused: accepted specs are checked too
  assert.ok(accepted > 10 && refused > 10, `${accepted} accepted, ${refused} refused`);
});

test('mutated specs through the real CLI: exit 0 or 2, no stack trace, one line plus its details', () => {
  let n = 0;
  fc.assert(fc.property(cases, (c) => {
    const { text, source } = textOf(c);
    const file = join(dir, `case-${n++}${source.slice(source.lastIndexOf('.'))}`);
    writeFileSync(file, text);
    const r = runCli(['validate', file, ...(c.yes ? ['--yes'] : [])]);
    assert.ok(r.code === 0 || r.code === 2, `exit ${r.code}: ${r.stderr}`);
    assert.ok(!hasStackTrace(r.stderr) && !hasStackTrace(r.stdout), r.stderr);
    if (r.code === 0) {
      assert.ok(r.stdout.startsWith(`${file}: valid sweep`), r.stdout);
      assert.equal(r.stderr, '');
      return;
    }
    const lines = r.stderr.trimEnd().split('\n');
    const m = /^sweep: invalid \S+: .+?(?: \(and (\d+) more\))?$/.exec(lines[0]);
    assert.ok(m, lines[0]);
    const more = Number(m[1] ?? 0);
    if (more <= MAX_SHOWN) assert.equal(lines.length - 1, more, r.stderr);
    else {
      assert.equal(lines.length - 1, MAX_SHOWN, r.stderr);
      assert.equal(lines.pop(), `  … ${more - MAX_SHOWN + 1} more not shown`);
    }
    for (const l of lines.slice(1)) assert.match(l, /^ {2}\S.*: \S/);
  }), { numRuns: 50, includeErrorInReport: true });
});
