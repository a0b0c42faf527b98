// The shipped example sweeps stay runnable: each is a valid spec whose every trial config
// resolves, names an analysis to fit, declares what it is expected to show (NAME.expect.yaml,
// read by `npm run reproduce`), and is listed (with its results) where users look. A small
// version (NAME-small.yaml) is the same experiment at a lower cost. A folder of examples with
// their own trainer (examples/byo-*/, trainer.kind: command) is held to the same, documented in
// its README.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isCommandTrial } from '../../core/config/command-trial.js';
import { loadSpec, type AnyResolvedSweep } from '../../core/config/spec.js';
import { loadExpectation } from '../../scripts/reproduce/expectations.js';
import { byoExamples, exampleNames } from '../../scripts/reproduce/main.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const files = readdirSync(join(root, 'examples'));
const specs = files.filter((f) => f.endsWith('.yaml') && !f.endsWith('.expect.yaml')).sort();
const names = exampleNames(files);
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const results = readFileSync(join(root, 'docs', 'results.md'), 'utf8');
/** Folders of examples that bring their own trainer, each with a README. */
const byoDirs = files.filter((f) => f.startsWith('byo-')).sort();
const byoSpecs = byoDirs.flatMap((d) => readdirSync(join(root, 'examples', d))
  .filter((f) => f.endsWith('.yaml') && !f.endsWith('.expect.yaml')).sort().map((f) => `${d}/${f}`));

/** A number the trainer's params hold, or 1 (a command trainer's params are its own). */
const num = (params: Record<string, unknown>, key: string) => (typeof params[key] === 'number' ? params[key] : 1);
/** Training work of a sweep: steps × width² summed over its trials (a proxy for its run time). */
const cost = (r: AnyResolvedSweep) => r.plans.reduce((s: number, p) => s + (isCommandTrial(p.config)
  ? num(p.config.params, 'steps') * num(p.config.params, 'width') ** 2
  : p.config.train.steps * p.config.model.width ** 2), 0);

test('there are example sweeps to check', () => {
  assert.ok(names.includes('quickstart'), names.join(', '));
  assert.ok(names.length >= 7, names.join(', '));
});

for (const file of specs) {
  test(`examples/${file}: a valid sweep of at most 5000 trials with an analysis, documented, citing papers only`, async () => {
    const resolved = await loadSpec(join(root, 'examples', file));
    assert.ok(resolved.plans.length > 0 && resolved.plans.length <= 5000, `${resolved.plans.length} trials`);
    assert.equal(new Set(resolved.plans.map((p) => p.id)).size, resolved.plans.length, 'trial ids are unique');
    assert.ok(resolved.spec.analysis && Object.keys(resolved.spec.analysis).length > 0, 'names an analysis');
    assert.doesNotMatch(readFileSync(join(root, 'examples', file), 'utf8'), /SCIENCE\.md|DESIGN\.md/);
    const base = file.replace(/(-small)?\.yaml$/, '');
    if (base === 'quickstart') {
      assert.match(readme, /examples\/quickstart\.yaml/);
    } else {
      assert.ok(readme.includes(`\`${base}.yaml\``), `README's example table lists ${base}.yaml`);
    }
    assert.ok(results.includes(`\`examples/${base}.yaml\``), `docs/results.md has a section for ${base}`);
  });
}

for (const name of names) {
  test(`examples/${name}.expect.yaml: parses, and checks only analyses the sweep fits`, async () => {
    const expect = loadExpectation(join(root, 'examples', `${name}.expect.yaml`));
    assert.doesNotMatch(readFileSync(join(root, 'examples', `${name}.expect.yaml`), 'utf8'), /SCIENCE\.md|DESIGN\.md/);
    const resolved = await loadSpec(join(root, 'examples', `${name}.yaml`));
    const analyses = Object.keys(resolved.spec.analysis ?? {});
    for (const c of expect.checks) assert.ok(analyses.includes(c.analysis), `${c.name}: the sweep fits no ${c.analysis}`);
  });
}

for (const [name, path] of byoExamples(join(root, 'examples'))) {
  test(`examples/${path}.expect.yaml: parses, and checks only analyses the sweep fits (${name})`, async () => {
    const expect = loadExpectation(join(root, 'examples', `${path}.expect.yaml`));
    const resolved = await loadSpec(join(root, 'examples', `${path}.yaml`), { commandTrainer: true });
    const analyses = Object.keys(resolved.spec.analysis ?? {});
    for (const c of expect.checks) assert.ok(analyses.includes(c.analysis), `${c.name}: the sweep fits no ${c.analysis}`);
  });
}

test('the folders of examples with their own trainer hold specs', () => {
  assert.ok(byoDirs.includes('byo-jax'), byoDirs.join(', '));
  assert.ok(byoSpecs.includes('byo-jax/lr-transfer-small.yaml'), byoSpecs.join(', '));
});

for (const file of byoSpecs) {
  test(`examples/${file}: a valid command-trainer sweep of at most 5000 trials with an analysis, documented`, async () => {
    const resolved = await loadSpec(join(root, 'examples', file), { commandTrainer: true });
    assert.equal(resolved.spec.trainer.kind, 'command');
    assert.ok(resolved.plans.length > 0 && resolved.plans.length <= 5000, `${resolved.plans.length} trials`);
    assert.equal(new Set(resolved.plans.map((p) => p.id)).size, resolved.plans.length, 'trial ids are unique');
    assert.ok(resolved.spec.analysis && Object.keys(resolved.spec.analysis).length > 0, 'names an analysis');
    assert.doesNotMatch(readFileSync(join(root, 'examples', file), 'utf8'), /SCIENCE\.md|DESIGN\.md/);
    const [dir, name] = file.split('/');
    assert.ok(readFileSync(join(root, 'examples', dir, 'README.md'), 'utf8').includes(`\`${name}\``), `examples/${dir}/README.md lists ${name}`);
    assert.ok(readme.includes(`examples/${dir}/`), `README links examples/${dir}/`);
  });
}

for (const small of [...specs, ...byoSpecs].filter((f) => f.endsWith('-small.yaml'))) {
  test(`examples/${small}: the same experiment as its full version, at a lower cost`, async () => {
    const full = small.replace('-small.yaml', '.yaml');
    assert.ok(specs.includes(full) || byoSpecs.includes(full), `${full} exists`);
    const load = (f: string) => loadSpec(join(root, 'examples', f), { commandTrainer: true });
    const [a, b] = await Promise.all([load(small), load(full)]);
    assert.deepEqual(Object.keys(a.spec.analysis ?? {}), Object.keys(b.spec.analysis ?? {}), 'fits the same analyses');
    assert.ok(cost(a) < cost(b), `small costs ${cost(a)} < full ${cost(b)}`);
  });
}
