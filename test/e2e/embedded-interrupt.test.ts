// Ctrl-C mid-sweep: SIGINT to the runner's whole process group, as a terminal sends it. The
// runner stops its workers, leaves only complete lines and no metric line without its trial,
// exits non-zero saying how to resume, and the same command then finishes the sweep. Trials run
// one at a time (--pack off): packed members finish together, and embedded-pack.test.ts
// interrupts packs.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alive, checkFolder, childPids, jsonl, killAll, runCli, startCli, tinySpec, waitFor, type Rec } from './embedded-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'sweep-e2e-int-'));
const stray: number[] = [];
after(() => {
  killAll(stray);
  rmSync(tmp, { recursive: true, force: true });
});

test('Ctrl-C leaves a consistent, resumable folder and a one-line message', { timeout: 400_000 }, async () => {
  const specPath = join(tmp, 'sweep.yaml');
  writeFileSync(specPath, tinySpec('e2e-int', { steps: 400, grid: 'seed: [0, 1, 2, 3, 4, 5]' }));
  const out = join(tmp, 'out');

  const run = startCli(['run', specPath, '--out', out, '--parallel', '2', '--pack', 'off'], { group: true });
  const pid = run.child.pid!;
  stray.push(pid);
  await waitFor(() => jsonl<Rec>(join(out, 'trials.jsonl')).length >= 1 && childPids(pid).length >= 1, 240_000, 'a finished trial');
  // wait until the next trials are under way, so the interrupt lands mid-trial
  await waitFor(() => jsonl<{ trialId: string }>(join(out, 'metrics.jsonl')).some((m) => !jsonl<Rec>(join(out, 'trials.jsonl')).some((t) => t.id === m.trialId)), 60_000, 'a trial in progress');
  const workers = childPids(pid);
  stray.push(...workers);
  process.kill(-pid, 'SIGINT');
  const timer = setTimeout(() => killAll([pid]), 60_000);
  const { code } = await run.exited;
  clearTimeout(timer);

  assert.equal(code, 130, run.stderr());
  const lines = run.stderr().trim().split('\n');
  const done = jsonl<Rec>(join(out, 'trials.jsonl')).length;
  assert.equal(lines[lines.length - 1], `sweep: interrupted: ${done} of 6 trials done (saved in ${out}); run the same command again to resume`);
  assert.ok(done >= 1 && done < 6, `${done} done`);
  // no worker outlives the runner
  await waitFor(() => workers.every((p) => !alive(p)), 10_000, 'workers to exit');
  // every line complete and valid; only metric lines of recorded trials (checkFolder)
  checkFolder(out);

  const again = await runCli(['run', specPath, '--out', out, '--parallel', '2', '--pack', 'off']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, new RegExp(`6 trials, ${done} already done`));
  const { trials } = checkFolder(out);
  assert.equal(trials.length, 6);
  assert.ok(trials.every((t) => t.outcome === 'succeeded'));
});
