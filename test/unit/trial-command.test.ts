// `sweep trial CONFIG`: JSON lines on stdout for a valid config, a one-line error naming the
// field (exit 2) for an invalid one, and a clean `cancelled` event on SIGTERM.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trialConfigSchema } from '../../core/config/trial.js';
import { trialId } from '../../core/ids.js';

const cli = fileURLToPath(new URL('../../workers/cli.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sweep-trial-command-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Run { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

function sweep(args: string[], onLine?: (line: string, child: ReturnType<typeof spawn>) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '', pending = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('sweep trial timed out')); }, 120_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      pending += d;
      let i;
      while ((i = pending.indexOf('\n')) >= 0) {
        onLine?.(pending.slice(0, i), child);
        pending = pending.slice(i + 1);
      }
    });
    child.stderr.on('data', (d: Buffer) => { stderr += d; });
    child.on('error', reject);
    child.on('exit', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr }); });
  });
}

const yaml = `# one resolved trial (defaults fill the rest)
seed: 3
task: { kind: teacher-mlp, inputDim: 6, trainSize: 128, testSize: 64 }
model: { width: 16, depth: 2, activation: relu }
optimizer: { kind: sgd, lr: 0.5 }
train: { steps: 30, batchSize: 16, evalEvery: 10, logEvalPoints: 0 }
measure: { sharpness: { every: 15, iterations: 5 } }
backend: { name: wasm, threads: 1 }
`;

test('sweep trial prints every message as one JSON line: started, metrics, finished', async () => {
  const file = join(dir, 'trial.yaml');
  writeFileSync(file, yaml);
  const r = await sweep(['trial', file, '--sweep-id', 'nightly']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const id = trialId(trialConfigSchema.parse((await import('yaml')).parse(yaml)));
  for (const m of lines) {
    assert.equal(m.sweepId, 'nightly');
    assert.equal(m.trialId, id, 'trial id defaults to the config\'s stable id');
  }
  assert.equal(lines[0].event, 'started');
  assert.equal(lines[lines.length - 1].event, 'finished');
  assert.deepEqual(lines.slice(1, -1).map((m) => m.step), [0, 10, 15, 20, 30]);
  assert.ok(lines.slice(1, -1).every((m) => typeof m.trainLoss === 'number'));
  // JSON config and an explicit trial id
  const json = join(dir, 'trial.json');
  writeFileSync(json, JSON.stringify({ task: { kind: 'teacher-mlp', inputDim: 4, trainSize: 32, testSize: 16 }, model: { width: 8, depth: 2 }, optimizer: { kind: 'sgd', lr: 0.1 }, train: { steps: 3, batchSize: 0, logEvalPoints: 0, evalEvery: 0 }, backend: { name: 'wasm', threads: 1 } }));
  const r2 = await sweep(['trial', json, '--trial-id', 'abc']);
  assert.equal(r2.code, 0, r2.stderr);
  const l2 = r2.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(l2.map((m) => m.event ?? m.step), ['started', 0, 3, 'finished']);
  assert.ok(l2.every((m) => m.trialId === 'abc'));
});

test('sweep trial rejects an invalid config with one line naming the field, exit 2', async () => {
  const cases: [string, RegExp][] = [
    [yaml.replace('width: 16', 'width: -4'), /^sweep: invalid trial config .*: model\.width: Too small/],
    [yaml.replace('lr: 0.5', 'lr: 0.5, nesterov: true'), /^sweep: invalid trial config .*: optimizer\.nesterov: unknown key/],
    [yaml.replace('kind: teacher-mlp', 'kind: teacher'), /^sweep: invalid trial config .*: task\.kind: must be one of/],
    ['task: { kind: teacher-mlp\n', /^sweep: invalid trial config .*: not valid YAML or JSON/],
    [yaml.replace('kind: teacher-mlp', 'kind: teacher-mlp, __proto__: { inputDim: 3 }'), /^sweep: invalid trial config .*: task\.__proto__: "__proto__" cannot be a key/],
    [yaml.replace('width: 16', 'width: 1000000000'), /^sweep: invalid trial config .*: model\.width: the trial would need about .* of memory/],
    [`${yaml}\n# ${'x'.repeat(1100 * 1024)}\n`, /^sweep: invalid trial config .*: \(file\): 1\.1 MiB is more than the 1\.0 MiB a config may have$/],
  ];
  for (const [text, expected] of cases) {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, text);
    const r = await sweep(['trial', file]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '', 'nothing ran');
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], expected);
  }
  const missing = await sweep(['trial', join(dir, 'nope.yaml')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^sweep: cannot read trial config .*nope\.yaml: ENOENT/);
});

test('SIGTERM stops the trial: a cancelled event is the last line, exit 143', async () => {
  const file = join(dir, 'long.yaml');
  writeFileSync(file, yaml.replace('steps: 30', 'steps: 1000000').replace('evalEvery: 10', 'evalEvery: 50'));
  let sent = false;
  const r = await sweep(['trial', file], (line, child) => {
    if (!sent && JSON.parse(line).step === 50) { sent = true; child.kill('SIGTERM'); }
  });
  assert.equal(r.code, 143, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const last = lines[lines.length - 1];
  assert.equal(last.event, 'cancelled');
  assert.ok(last.step >= 50 && last.step < 1000000);
});
