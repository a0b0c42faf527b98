// The one-line status of a cluster sweep: what a newcomer reads first. No server: statusLine
// is a pure function of the status the client assembled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maxTrialsOf, type SweepStatus } from '../../client/sweep-client.js';
import { statusLine } from '../../workers/commands/cluster.js';
import type { SweepProgress } from '../../workflows/types.js';

const progress = (p: Partial<SweepProgress> = {}): SweepProgress => ({
  sweepId: 's', name: 'demo', state: 'running', planned: 10, searchDone: true, started: 6, finished: 2,
  counts: { succeeded: 2, diverged: 0, failed: 0, cancelled: 0 }, inFlight: 4, running: [], parallelism: 50, round: 0, runs: 1, ...p,
});
const status = (s: Partial<SweepStatus> = {}): SweepStatus => ({
  sweepId: 's', status: 'RUNNING', startTime: new Date(0), taskQueue: 'q', progress: progress(), ...s,
});

test('before the first plan the line says so, with no empty name or 0/0+ counts', () => {
  const line = statusLine(status({ progress: progress({ name: '', state: 'planning', planned: 0, searchDone: false, finished: 0, inFlight: 0 }) }));
  assert.equal(line, 's: planning the first trials');
  assert.doesNotMatch(line, /\(\)|0\/0/);
});

test('trials beyond the workers\' slots are shown waiting, with the reason', () => {
  const line = statusLine(status({ progress: progress({ inFlight: 50 }), trialSlots: 2 }));
  assert.match(line, /2 running and 48 waiting for a trial slot \(the workers on task queue q run at most 2 trials at once: their --max-trials\)/);
  assert.match(statusLine(status()), /, 4 running, 1 workflow run$/);
});

test('the duration runs from the first run\'s start to the close, over every run', () => {
  const line = statusLine(status({
    status: 'COMPLETED', startTime: new Date(0), closeTime: new Date(19 * 60_000),
    progress: progress({ state: 'completed', finished: 10, started: 10, inFlight: 0, runs: 20, counts: { succeeded: 10, diverged: 0, failed: 0, cancelled: 0 } }),
  }));
  assert.match(line, /completed after 19m/);
  assert.match(line, /20 workflow runs/);
});

test('the workflow\'s own "completed" reads "finishing" until Temporal closes the run', () => {
  assert.match(statusLine(status({ progress: progress({ state: 'completed', inFlight: 0 }) })), /: finishing, /);
});

test('max-trials is read from the worker identity the orchestrator sets, and only from there', () => {
  assert.equal(maxTrialsOf('123@host max-trials=8'), 8);
  assert.equal(maxTrialsOf('123@host'), undefined);
  assert.equal(maxTrialsOf('123@max-trials=8x'), undefined);
});
