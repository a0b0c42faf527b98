// Resume after the runner is killed outright (SIGKILL mid-sweep): its workers go away, and
// running the same command again keeps every finished trial untouched, runs only the rest,
// and leaves each trial exactly once with no duplicate or orphan metric lines. Trials run one at
// a time (--pack off): packed members finish together, and embedded-pack.test.ts kills packs.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSpec } from '../../core/config/spec.js';
import { alive, checkFolder, childPids, jsonl, killAll, runCli, startCli, tinySpec, waitFor, type Rec } from './embedded-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'sweep-e2e-resume-'));
const stray: number[] = [];
after(() => {
  killAll(stray);
  rmSync(tmp, { recursive: true, force: true });
});

test('SIGKILL mid-sweep, then the same command: no finished trial reruns, files consistent', { timeout: 400_000 }, async (t) => {
  const spec = tinySpec('e2e-resume', { steps: 400, grid: 'seed: [0, 1, 2, 3, 4, 5, 6, 7]' });
  const specPath = join(tmp, 'sweep.yaml');
  writeFileSync(specPath, spec);
  const out = join(tmp, 'out');
  const planned = parseSpec(spec).plans.map((p) => p.id);

  const first = startCli(['run', specPath, '--out', out, '--parallel', '2', '--pack', 'off']);
  const pid = first.child.pid!;
  const trialsPath = join(out, 'trials.jsonl');
  const recorded = () => jsonl<Rec>(trialsPath).length;
  try {
    await waitFor(() => recorded() >= 2, 240_000, 'two finished trials');
  } finally {
    // the workers are the runner's children; note them before killing it
    stray.push(...childPids(pid));
    first.child.kill('SIGKILL');
  }
  await first.exited;
  const workers = [...stray];
  assert.ok(workers.length >= 1, 'the runner had worker processes');
  // workers notice that the runner is gone and exit by themselves
  await waitFor(() => workers.every((p) => !alive(p)), 30_000, 'orphaned workers to exit');

  const beforeText = readFileSync(trialsPath, 'utf8');
  const before = jsonl<Rec>(trialsPath);
  assert.ok(before.length >= 2 && before.length < planned.length, `${before.length} trials finished before the kill`);
  // the killed run left metric lines of its unfinished trials
  const orphanLines = jsonl<{ trialId: string }>(join(out, 'metrics.jsonl')).filter((m) => !before.some((t) => t.id === m.trialId));

  const second = await runCli(['run', specPath, '--out', out, '--parallel', '2', '--pack', 'off']);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, new RegExp(`8 trials, ${before.length} already done`));
  assert.match(second.stdout, new RegExp(`8 trials done \\(8 succeeded, 0 diverged, 0 failed; ${8 - before.length} run now\\)`));
  // trials run now are exactly the ones not finished before
  const ranNow = second.stdout.split('\n').filter((l) => /^\[\s*\d+\/8\]/.test(l)).map((l) => l.split(' ').find((w) => /^[0-9a-f]{16}$/.test(w)));
  assert.deepEqual(ranNow.sort(), planned.filter((id) => !before.some((t) => t.id === id)).sort());

  const { trials } = checkFolder(out);
  assert.deepEqual(trials.map((t) => t.id).sort(), [...planned].sort());
  // finished records are untouched: the file starts with exactly the lines written before
  assert.ok(readFileSync(trialsPath, 'utf8').startsWith(beforeText), 'earlier records kept byte for byte');
  for (const b of before) assert.equal(trials.find((x) => x.id === b.id)!.finishedAt, b.finishedAt);
  // checkFolder found no duplicate (trial, step); the orphan lines (if any) were replaced, not kept twice
  const metrics = jsonl<{ trialId: string; step: number }>(join(out, 'metrics.jsonl'));
  const keys = metrics.map((m) => `${m.trialId}:${m.step}`);
  assert.equal(new Set(keys).size, keys.length);
  t.diagnostic(`killed with ${before.length} trials recorded and ${orphanLines.length} metric lines of unfinished trials`);
});
