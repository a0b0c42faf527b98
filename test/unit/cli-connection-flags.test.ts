// Malformed connection flags of the cluster commands are invalid input: one line naming the
// flag, exit 2, before any connection is tried (an unreachable server stays exit 1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasStackTrace, runCli } from './cli-run.js';

test('a malformed --temporal, --nats, --namespace or --task-queue exits 2 naming the flag', () => {
  const cases: Array<[string[], RegExp]> = [
    [['status', 'x', '--temporal', ':::bad'], /^sweep: --temporal: ":::bad" is not host:port$/],
    [['list', '--temporal', 'http://host:7233/path'], /^sweep: --temporal: /],
    [['status', 'x', '--nats', 'nats://ok:4222,ftp://x/y'], /^sweep: --nats: "ftp:\/\/x\/y" is not a NATS server/],
    [['cancel', 'x', '--namespace', ' '], /^sweep: --namespace: must not be empty$/],
    [['watch', 'x', '--task-queue', ''], /^sweep: --task-queue: must not be empty$/],
  ];
  for (const [args, message] of cases) {
    const r = runCli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.trim(), message);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.equal(hasStackTrace(r.stderr), false);
  }
});

test('well-formed addresses pass the check (and then fail to connect: exit 1)', () => {
  for (const addr of ['127.0.0.1:1', '[::1]:1']) {
    const r = runCli(['status', 'x', '--temporal', addr, '--connect-timeout', '500']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^sweep: cannot reach Temporal at /);
  }
});
