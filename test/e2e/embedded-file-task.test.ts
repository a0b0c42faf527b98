// The `file` task through the CLI with hostile paths and values: data outside the spec's folder
// is refused unless granted, relative paths mean the spec's folder (not the working directory),
// problems with the data stop `validate` and `run` with exit 2 before anything starts, and no
// error quotes a file's content.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkFolder, runCli, ROOT } from './embedded-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'sweep-e2e-file-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** 40 rows of 3 features and a 0/1 label. */
function csv(): string {
  const rows = ['a,b,c,label'];
  for (let i = 0; i < 40; i++) rows.push(`${(i % 7) / 7},${(i % 5) / 5},${(i % 3) / 3},${i % 2}`);
  return `${rows.join('\n')}\n`;
}

function spec(name: string, x: string): string {
  return `name: ${name}
task: { kind: file, format: csv, train: { x: ${JSON.stringify(x)} } }
model: { width: 8, depth: 2 }
optimizer: { kind: sgd, lr: 0.1 }
train: { steps: 20, batchSize: 8, evalEvery: 10, logEvalPoints: 0 }
measure: { gradNorm: true, weightMovement: false }
backend: { name: wasm, threads: 1 }
`;
}

/** A spec in its own folder `dir` (with data/train.csv), the CLI running elsewhere (the repo root). */
function project(dir: string, x: string): string {
  mkdirSync(join(tmp, dir, 'data'), { recursive: true });
  writeFileSync(join(tmp, dir, 'data', 'train.csv'), csv());
  const file = join(tmp, dir, 'sweep.yaml');
  writeFileSync(file, spec(dir, x));
  return file;
}

/** One line on stderr and exit 2. */
function refused(r: { code: number | null; stderr: string }, re: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], re);
}

test('validate: data problems are found before anything runs, exit 2, one line naming the path', { timeout: 120_000 }, async () => {
  const ok = project('valid', 'data/train.csv');
  const good = await runCli(['validate', ok]);
  assert.equal(good.code, 0, good.stderr);
  assert.match(good.stdout, /valid sweep "valid"/);

  refused(await runCli(['validate', project('missing', 'data/nope.csv')]), /^sweep: invalid .*sweep\.yaml: task\.train\.x: data\/nope\.csv: cannot read \(no such file\)$/);
  const passwd = await runCli(['validate', project('passwd', '/etc/passwd')]);
  refused(passwd, /^sweep: invalid .*sweep\.yaml: task\.train\.x: \/etc\/passwd: outside the allowed data folders \(.*\); to allow another folder, pass --data-root DIR or set SWEEP_DATA_ROOTS$/);
  assert.ok(!/root:|nologin/.test(passwd.stderr));
  refused(await runCli(['validate', project('escape', '../valid/data/train.csv')]), /task\.train\.x: \.\.\/valid\/data\/train\.csv: outside the allowed data folders/);
  // granted: the other project's folder
  const granted = await runCli(['validate', join(tmp, 'escape', 'sweep.yaml'), '--data-root', join(tmp, 'valid')]);
  assert.equal(granted.code, 0, granted.stderr);
  refused(await runCli(['validate', ok, '--data-root', join(tmp, 'no-such-folder')]), /^sweep: --data-root: .*no-such-folder is not a folder$/);
});

test('run: a value beyond float32 is refused before the sweep starts (it trained to gradNorm: null before)', { timeout: 120_000 }, async () => {
  const file = project('float32', 'data/train.csv');
  writeFileSync(join(tmp, 'float32', 'data', 'train.csv'), csv().replace('\n0,0,0,0\n', '\n0,3.5e38,0,0\n'));
  const out = join(tmp, 'float32-out');
  refused(await runCli(['run', file, '--out', out]), /task\.train\.x: .*train\.csv: line 2, column 2: number beyond the float32 range/);
  assert.ok(!existsSync(out), 'nothing was started');
});

test('run: relative paths mean the spec\'s folder; data outside it needs --data-root; the trial trains', { timeout: 240_000 }, async () => {
  const elsewhere = join(tmp, 'shared-data');
  mkdirSync(elsewhere);
  writeFileSync(join(elsewhere, 'train.csv'), csv());
  const outsideSpec = project('outside', join(elsewhere, 'train.csv'));
  const out = join(tmp, 'outside-out');
  refused(await runCli(['run', outsideSpec, '--out', out]), /task\.train\.x: .*shared-data\/train\.csv: outside the allowed data folders/);
  assert.ok(!existsSync(out));

  const r = await runCli(['run', outsideSpec, '--out', out, '--data-root', elsewhere]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /1 trials done \(1 succeeded/);

  // the CLI runs in the repo root; data/train.csv is found next to the spec
  const rel = project('relative', 'data/train.csv');
  const relOut = join(tmp, 'relative-out');
  const r2 = await runCli(['run', rel, '--out', relOut]);
  assert.equal(r2.code, 0, r2.stderr);
  assert.ok(!existsSync(join(ROOT, 'data', 'train.csv')), 'the working directory has no such file');
  const { trials, metrics } = checkFolder(relOut);
  assert.equal(trials[0].outcome, 'succeeded');
  assert.ok(metrics.every((m) => Number.isFinite((m as { gradNorm?: number }).gradNorm)), 'every gradient norm is a number');
});

test('trial: the worker checks again; a config reading the system\'s files fails without quoting them', { timeout: 120_000 }, async () => {
  const dir = join(tmp, 'trial');
  mkdirSync(dir);
  const config = join(dir, 'trial.json');
  writeFileSync(config, JSON.stringify({
    task: { kind: 'file', format: 'csv', train: { x: '/etc/passwd' } },
    optimizer: { kind: 'sgd', lr: 0.1 }, train: { steps: 5 }, backend: { name: 'wasm', threads: 1 },
  }));
  const r = await runCli(['trial', config]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event?: string; error?: string });
  const last = lines[lines.length - 1];
  assert.equal(last.event, 'failed');
  assert.match(last.error!, /^\/etc\/passwd: outside the allowed data folders/);
  assert.ok(!/root:|nologin/.test(r.stdout + r.stderr));
});
