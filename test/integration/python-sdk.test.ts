// The Python SDK (sdk/python) and the JAX example (examples/byo-jax): their pytest suites, run in
// the venv test/servers/install-python-sdk.sh makes, so `npm test` runs them. The SDK's NATS
// tests start their own nats-server with JetStream on loopback and stop it; mypy --strict
// checks the SDK's annotations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const install = `${root}test/servers/install-python-sdk.sh`;

function venvPython(): string {
  const inst = spawnSync('bash', [install], { encoding: 'utf8' });
  assert.equal(inst.status, 0, `test/servers/install-python-sdk.sh failed (python3 with venv and PyPI access are needed): ${inst.stderr}`);
  return inst.stdout.trim();
}

function pytest(python: string, cwd: string): void {
  // -p no:cacheprovider: no .pytest_cache written into the source tree
  const run = spawnSync(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', '-rfE'], {
    cwd, encoding: 'utf8', maxBuffer: 1 << 26, timeout: 20 * 60_000,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', JAX_PLATFORMS: 'cpu' },
  });
  const tail = `${run.stdout.slice(-6000)}\n${run.stderr.slice(-3000)}`;
  assert.equal(run.status, 0, `pytest in ${cwd} failed:\n${tail}`);
  assert.match(run.stdout, /\d+ passed/, tail);
  assert.doesNotMatch(run.stdout, /\d+ (failed|skipped|error)/, tail);
}

test('Python SDK: pytest (launch, pipe mode, NATS mode on a real nats-server, sharpness helper)', { timeout: 30 * 60_000 }, () => {
  pytest(venvPython(), `${root}sdk/python`);
});

test('Python SDK: mypy --strict finds nothing', { timeout: 10 * 60_000 }, () => {
  const run = spawnSync(venvPython(), ['-m', 'mypy', '--no-incremental', '--cache-dir', '/dev/null'], { cwd: `${root}sdk/python`, encoding: 'utf8' });
  assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
  assert.match(run.stdout, /^Success: no issues found/m);
});

test('examples/byo-jax: pytest (the µP trainer under the SDK in pipe mode, µP vs SP)', { timeout: 30 * 60_000 }, () => {
  pytest(venvPython(), `${root}examples/byo-jax`);
});
