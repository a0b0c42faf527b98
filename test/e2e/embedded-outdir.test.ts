// One owner per output folder, through the real CLI: a second `sweep run` or `sweep analyze`
// of a folder being written exits 2 naming the holder and changes nothing; the lock goes away on
// Ctrl-C (once or twice) and is taken over after kill -9; bad folders are one-line input errors;
// the closing line counts the spec's trials; a failed rewrite leaves no temporary file.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSpec } from '../../core/config/spec.js';
import { alive, checkFolder, childPids, CLI, jsonl, killAll, ROOT, runCli, startCli, tinySpec, waitFor, type Rec } from './embedded-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'sweep-e2e-outdir-'));
const stray: number[] = [];
after(() => {
  killAll(stray);
  rmSync(tmp, { recursive: true, force: true });
});

const lockOf = (out: string) => join(out, 'sweep.lock');
const oneLine = (s: string) => s.trim().split('\n').length === 1;

test('a second run or an analyze of a folder being written exits 2 naming the holder; Ctrl-C releases, kill -9 is taken over', { timeout: 400_000 }, async () => {
  const spec = tinySpec('e2e-lock', { steps: 20000, grid: 'seed: [0, 1, 2, 3, 4, 5]' });
  const specPath = join(tmp, 'lock.yaml');
  writeFileSync(specPath, spec);
  const out = join(tmp, 'lock');
  const planned = parseSpec(spec).plans.map((p) => p.id);

  const first = startCli(['run', specPath, '--out', out, '--parallel', '1'], { group: true });
  const pid = first.child.pid!;
  stray.push(pid);
  await waitFor(() => existsSync(lockOf(out)) && jsonl(join(out, 'metrics.jsonl')).length > 0, 120_000, 'the first run to be training');
  const holder = JSON.parse(readFileSync(lockOf(out), 'utf8')) as { pid: number; since: string };
  assert.equal(holder.pid, pid);
  const refusal = `sweep: ${out} is in use by sweep run (pid ${pid} on host ${hostname()}, since ${holder.since}); wait for it to finish or choose another folder`;
  const trialsBefore = readFileSync(join(out, 'trials.jsonl'), 'utf8');

  const second = await runCli(['run', specPath, '--out', out, '--parallel', '1']);
  assert.equal(second.code, 2, second.stderr);
  assert.equal(second.stderr.trim(), refusal);
  assert.equal(second.stdout, '', 'the second run started nothing');
  const analyze = await runCli(['analyze', out]);
  assert.equal(analyze.code, 2, analyze.stderr);
  assert.equal(analyze.stderr.trim(), refusal);
  assert.ok(readFileSync(join(out, 'trials.jsonl'), 'utf8').startsWith(trialsBefore), 'trials.jsonl only grew by the first run');

  // Ctrl-C: the first run stops and its lock goes
  const workers = childPids(pid);
  stray.push(...workers);
  process.kill(-pid, 'SIGINT');
  assert.equal((await first.exited).code, 130);
  assert.ok(!existsSync(lockOf(out)), 'Ctrl-C released the lock');

  // a second Ctrl-C quits at once and still releases it
  const twice = startCli(['run', specPath, '--out', out, '--parallel', '1'], { group: true });
  stray.push(twice.child.pid!);
  await waitFor(() => existsSync(lockOf(out)) && childPids(twice.child.pid!).length > 0, 60_000, 'the run to start its worker');
  stray.push(...childPids(twice.child.pid!));
  process.kill(-twice.child.pid!, 'SIGINT');
  process.kill(-twice.child.pid!, 'SIGINT');
  assert.equal((await twice.exited).code, 130);
  assert.ok(!existsSync(lockOf(out)), 'a second Ctrl-C released the lock');

  // kill -9 leaves the lock; the next run sees its holder dead and takes over
  const killed = startCli(['run', specPath, '--out', out, '--parallel', '1']);
  const kpid = killed.child.pid!;
  await waitFor(() => existsSync(lockOf(out)) && childPids(kpid).length > 0, 60_000, 'the run to start its worker');
  const kworkers = childPids(kpid);
  stray.push(...kworkers);
  killed.child.kill('SIGKILL');
  await killed.exited;
  await waitFor(() => kworkers.every((p) => !alive(p)), 30_000, 'orphaned workers to exit');
  assert.ok(existsSync(lockOf(out)), 'kill -9 left the lock');
  const last = await runCli(['run', specPath, '--out', out, '--parallel', '2']);
  assert.equal(last.code, 0, last.stderr);
  assert.match(last.stdout, new RegExp(`note: took over ${out} from sweep run \\(pid ${kpid} on host `));
  assert.match(last.stdout, /6 trials done \(6 succeeded, 0 diverged, 0 failed; \d+ run now\)/);
  const { trials } = checkFolder(out);
  assert.deepEqual(trials.map((t) => t.id).sort(), [...planned].sort(), 'each trial exactly once');
  assert.ok(!existsSync(lockOf(out)));
});

test('a bad --out and a missing analyze folder exit 2 with one line', { timeout: 60_000 }, async () => {
  const specPath = join(tmp, 'bad.yaml');
  writeFileSync(specPath, tinySpec('e2e-bad'));
  const file = join(tmp, 'a-file');
  writeFileSync(file, 'x');
  const cases: [string[], string][] = [
    [['run', specPath, '--out', file], `sweep: ${file}: cannot be used as an output folder: exists and is not a folder (EEXIST)`],
    [['run', specPath, '--out', join(file, 'sub')], `sweep: ${join(file, 'sub')}: cannot be used as an output folder: a part of the path is a file, not a folder (ENOTDIR)`],
    [['analyze', join(tmp, 'missing')], `sweep: ${join(tmp, 'missing')}: no such output folder`],
    [['analyze', file], `sweep: ${file}: no such output folder`],
  ];
  for (const [args, line] of cases) {
    const r = await runCli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim(), line);
    assert.ok(oneLine(r.stderr));
  }
});

test('the closing line counts the spec\'s trials and names the others; --parallel above the CPUs is said once', { timeout: 300_000 }, async () => {
  const out = join(tmp, 'counts');
  const wide = join(tmp, 'wide.yaml');
  const narrow = join(tmp, 'narrow.yaml');
  writeFileSync(wide, tinySpec('e2e-counts', { grid: 'seed: [0, 1, 2]' }));
  writeFileSync(narrow, tinySpec('e2e-counts', { grid: 'seed: [0]' }));
  const r1 = await runCli(['run', wide, '--out', out, '--parallel', '2']);
  assert.equal(r1.code, 0, r1.stderr);
  const r2 = await runCli(['run', narrow, '--out', out, '--parallel', '64']);
  assert.equal(r2.code, 0, r2.stderr);
  assert.match(r2.stdout, /sweep e2e-counts: 1 trials done \(1 succeeded, 0 diverged, 0 failed; 0 run now; the folder also holds 2 trials outside this spec\)/);
  const notes = r2.stderr.split('\n').filter((l) => l.includes('--parallel 64'));
  assert.equal(notes.length, 1, r2.stderr);
  assert.match(notes[0], /^sweep: note: --parallel 64 is more than the \d+ CPUs? of this machine; the workers share them$/);

  // a rewrite on resume that fails (a real EFBIG under ulimit -f): exit 1, one line, the
  // original kept byte for byte, no temporary file, and the lock released on that error path
  const metrics = join(out, 'metrics.jsonl');
  appendFileSync(metrics, `${JSON.stringify({ sweepId: 'e2e-counts', trialId: 'unfinished', step: 0, trainLoss: 1 })}\n`);
  const before = readFileSync(metrics);
  const full = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const p = spawn('sh', ['-c', 'trap "" XFSZ; ulimit -f 1; exec "$0" "$@"', process.execPath, CLI, 'run', wide, '--out', out], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    p.on('close', (code) => resolve({ code, stderr: err }));
  });
  assert.equal(full.code, 1, full.stderr);
  assert.ok(oneLine(full.stderr), full.stderr);
  assert.match(full.stderr, new RegExp(`^sweep: could not rewrite ${metrics} \\(EFBIG: .*\\); it is unchanged and nothing was lost`));
  assert.deepEqual(readFileSync(metrics), before);
  assert.deepEqual(readdirSync(out).filter((f) => f.includes('.tmp-') || f.startsWith('sweep.lock')), [], 'no temporary file, no lock');
  const resumed = await runCli(['run', wide, '--out', out]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /note: tidied .*: 0 unusable or unfinished trial record\(s\) and 1 metric line\(s\) of unfinished trials removed/);
  assert.equal(checkFolder(out).trials.filter((t: Rec) => t.outcome === 'succeeded').length, 3);
});
