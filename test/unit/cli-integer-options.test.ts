// Whole-number CLI options are decimal digits only: "0x1", "1e3", " 2", "" are refused with one
// line naming the flag (exit 2), before anything is started.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseMetricsPort } from '../../workers/telemetry/flags.js';
import { IntegerOptionError, parseIntegerOption } from '../../workers/integer-option.js';
import { hasStackTrace, runCli } from './cli-run.js';

const dir = mkdtempSync(join(tmpdir(), 'sweep-cli-int-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const quickstart = fileURLToPath(new URL('../../../examples/quickstart.yaml', import.meta.url));

test('parseIntegerOption: digits only, within the range', () => {
  assert.equal(parseIntegerOption('4', '--n', 1), 4);
  assert.equal(parseIntegerOption('007', '--n', 1), 7);
  assert.equal(parseIntegerOption('65535', '--n', 0, 65535), 65535);
  for (const bad of ['0x1', '1e0', '1.', '1.0', ' 2', '2 ', '', '-1', '+1', '0', 'Infinity', '1_000', '99999999999999999999', '٣']) {
    assert.throws(() => parseIntegerOption(bad, '--n', 1), (e: unknown) => e instanceof IntegerOptionError && e.message === `--n: must be a whole number >= 1, got ${JSON.stringify(bad)}`, bad);
  }
  assert.throws(() => parseIntegerOption('70000', '--port', 0, 65535), /--port: must be a whole number 0-65535, got "70000"/);
});

test('--metrics-port takes decimal digits only', () => {
  assert.equal(parseMetricsPort('9464'), 9464);
  for (const bad of ['0x50', '8e3', ' 80']) assert.throws(() => parseMetricsPort(bad), /--metrics-port: must be a port number 0-65535/);
});

for (const [args, message] of [
  [['--parallel', '0x1'], 'sweep: --parallel: must be a whole number >= 1, got "0x1"'],
  [['--parallel', '2.0'], 'sweep: --parallel: must be a whole number >= 1, got "2.0"'],
  [['--parallel', ''], 'sweep: --parallel: must be a whole number >= 1, got ""'],
  [['--metrics-port', '0x50'], 'sweep: --metrics-port: must be a port number 0-65535, got "0x50"'],
] as [string[], string][]) {
  test(`sweep run ${args.join(' ')}: one line, exit 2, nothing started`, () => {
    const out = join(dir, `out-${args.join('-')}`);
    const r = runCli(['run', quickstart, '--out', out, ...args]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim(), message);
    assert.ok(!hasStackTrace(r.stderr));
    assert.equal(existsSync(out), false);
  });
}

test('sweep watch --interval and --connect-timeout are read strictly too', () => {
  const w = runCli(['watch', 'some-id', '--interval', '1e3']);
  assert.equal(w.code, 2);
  assert.equal(w.stderr.trim(), 'sweep: --interval: must be a whole number >= 100, got "1e3"');
  const s = runCli(['status', 'some-id', '--connect-timeout', '0x10']);
  assert.equal(s.code, 2);
  assert.equal(s.stderr.trim(), 'sweep: --connect-timeout: must be a whole number >= 1, got "0x10"');
});
