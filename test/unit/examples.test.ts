// The shipped example sweeps stay runnable: each is a valid spec whose every trial config
// resolves, names an analysis to fit, and is listed (with its results) where users look.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSpec } from '../../core/config/spec.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const examples = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.yaml')).sort();
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const results = readFileSync(join(root, 'docs', 'results.md'), 'utf8');

test('there are example sweeps to check', () => {
  assert.ok(examples.includes('quickstart.yaml'), examples.join(', '));
  assert.ok(examples.length >= 7, examples.join(', '));
});

for (const file of examples) {
  test(`examples/${file}: a valid sweep of at most 5000 trials with an analysis, documented`, async () => {
    const resolved = await loadSpec(join(root, 'examples', file));
    assert.ok(resolved.plans.length > 0 && resolved.plans.length <= 5000, `${resolved.plans.length} trials`);
    assert.equal(new Set(resolved.plans.map((p) => p.id)).size, resolved.plans.length, 'trial ids are unique');
    assert.ok(resolved.spec.analysis && Object.keys(resolved.spec.analysis).length > 0, 'names an analysis');
    if (file === 'quickstart.yaml') {
      assert.match(readme, /examples\/quickstart\.yaml/);
    } else {
      assert.ok(readme.includes(`\`${file}\``), `README's example table lists ${file}`);
      assert.ok(results.includes(`\`examples/${file}\``), `docs/results.md records the outcome of ${file}`);
    }
  });
}
