// The executor's API wrapper: which errors are retried, how API errors read in one line, and
// that requests share keep-alive connections instead of one TLS connection each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiException, KubeConfig } from '@kubernetes/client-node';
import { describeApiError, isTransient, withConnectionReuse } from '../../activities/kubernetes/kube-api.js';

const apiError = (code: number, body: object) => new ApiException(code, 'Unknown API Status Code!', JSON.stringify(body), {});

test('transient: network failures, 429 and 5xx; not: 4xx refusals', () => {
  assert.equal(isTransient(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' })), true);
  // Node's "socket hang up" carries ECONNRESET; node-fetch wraps it (type system) or times out
  assert.equal(isTransient(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })), true);
  assert.equal(isTransient(Object.assign(new Error('network timeout at: https://x'), { type: 'request-timeout' })), true);
  assert.equal(isTransient(new Error('request failed', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) })), true);
  assert.equal(isTransient(new Error('socket hang up')), false, 'recognised by code, never by message text');
  for (const c of [429, 500, 503, 504]) assert.equal(isTransient(apiError(c, {})), true, String(c));
  for (const c of [400, 401, 403, 404, 409, 422]) assert.equal(isTransient(apiError(c, {})), false, String(c));
});

test('API errors read as one line with status, reason and message', () => {
  const e = apiError(403, { kind: 'Status', reason: 'Forbidden', message: 'jobs.batch is forbidden: User "x" cannot create resource "jobs"' });
  assert.equal(describeApiError(e), '403 Forbidden: jobs.batch is forbidden: User "x" cannot create resource "jobs"');
  assert.equal(describeApiError(new Error('first line\nsecond')), 'first line');
});

test('requests through the reuse view share one keep-alive agent', async () => {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x',
  });
  const plain = [await kc.applyToFetchOptions({}), await kc.applyToFetchOptions({})];
  assert.notEqual(plain[0].agent, plain[1].agent, 'client-node alone makes an agent per request');
  const reuse = withConnectionReuse(kc);
  const shared = [await reuse.kc.applyToFetchOptions({}), await reuse.kc.applyToFetchOptions({})];
  assert.equal(shared[0].agent, shared[1].agent);
  assert.equal((shared[0].agent as { keepAlive?: boolean }).keepAlive, true);
  assert.equal(reuse.kc.getCurrentUser()?.token, 't', 'the view reads the original config');
  reuse.close();
});
