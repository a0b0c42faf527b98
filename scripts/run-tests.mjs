#!/usr/bin/env node
// Runs the compiled test files (dist/test/**/*.test.js) with node's test runner.
// Arguments filter by substring of the path: `node scripts/run-tests.mjs sharpness grid`.
// SWEEP_TEST_CONCURRENCY sets how many files run at once (default 1: the integration tests
// start real servers and time-sensitive work, and CI has 2 cores).
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const testDir = join(root, 'dist', 'test');
function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}
let files;
try { files = walk(testDir); } catch { console.error(`run-tests: ${testDir} not found; run "npm run build" first`); process.exit(2); }
const filters = process.argv.slice(2);
if (filters.length) files = files.filter((f) => filters.some((s) => relative(root, f).includes(s)));
if (!files.length) { console.error(`run-tests: no test files match ${filters.join(' ')}`); process.exit(2); }
const concurrency = process.env.SWEEP_TEST_CONCURRENCY ?? '1';
const child = spawn(process.execPath, ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files], {
  stdio: 'inherit', cwd: root,
});
const forward = (sig) => child.kill(sig);
process.on('SIGINT', forward); process.on('SIGTERM', forward);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
