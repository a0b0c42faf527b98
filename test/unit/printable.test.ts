// Text from a spec printed on a terminal: escape sequences and bidi overrides become visible
// escapes, so a description cannot recolour the terminal or disguise what it says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { printable } from '../../workers/printable.js';
import { describeSweep } from '../../workers/commands/validate.js';
import { parseSpec } from '../../core/config/spec.js';

test('control characters and bidi overrides are shown as escapes; ordinary text is unchanged', () => {
  assert.equal(printable('does η* transfer? — µP, 10⁻³ … 10'), 'does η* transfer? — µP, 10⁻³ … 10');
  assert.equal(printable('\u001b[31mred\u001b[0m'), '\\x1b[31mred\\x1b[0m');
  assert.equal(printable('title\u001b]0;pwned\u0007'), 'title\\x1b]0;pwned\\x07');
  assert.equal(printable('a\u009bb\u007fc'), 'a\\x9bb\\x7fc');
  assert.equal(printable('abc\u202edcba'), 'abc\\u202edcba');
  assert.equal(printable('two\nlines\tand\rtab'), 'two lines and tab');
  // nothing below U+0020 (or DEL, or C1) survives, whatever the input
  for (let c = 0; c < 0xa0; c++) {
    const out = printable(`x${String.fromCharCode(c)}y`);
    // eslint-disable-next-line no-control-regex -- the check looks for control characters
    assert.ok(!/[\u0000-\u001f\u007f-\u009f]/.test(out), `U+${c.toString(16)} → ${JSON.stringify(out)}`);
  }
});

test('sweep validate prints a description with terminal escapes harmlessly', () => {
  const spec = parseSpec('name: esc\ndescription: "hello \\e[31mred\\e[0m\\u202e"\ntask: { kind: teacher-mlp }\noptimizer: { kind: sgd, lr: 0.1 }\n');
  const first = describeSweep(spec, 'esc.yaml').split('\n')[0];
  assert.equal(first, 'esc.yaml: valid sweep "esc" (hello \\x1b[31mred\\x1b[0m\\u202e)');
});
