// Basic auth of /metrics: the Authorization header parsed as HTTP clients send it (and nothing
// malformed accepted), bcrypt hashes made by the library itself verified, unknown users and wrong
// passwords refused, and a verified header answered from the cache without running bcrypt again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import bcrypt from 'bcryptjs';
import fc from 'fast-check';
import { BCRYPT_HASH, createBasicAuth, parseBasicAuth } from '../../workers/telemetry/basic-auth.js';

const header = (user: string, password: string, scheme = 'Basic') => `${scheme} ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

test('parseBasicAuth reads the user and password of a Basic header', () => {
  assert.deepEqual(parseBasicAuth(header('prometheus', 's3cret')), { user: 'prometheus', password: 's3cret' });
  // the password may hold colons: the split is at the first one
  assert.deepEqual(parseBasicAuth(header('u', 'a:b:c')), { user: 'u', password: 'a:b:c' });
  assert.deepEqual(parseBasicAuth(header('', '')), { user: '', password: '' });
  assert.deepEqual(parseBasicAuth(header('ü', 'pä$$')), { user: 'ü', password: 'pä$$' });
  // the scheme is case-insensitive (RFC 7617)
  assert.deepEqual(parseBasicAuth(header('u', 'p', 'basic')), { user: 'u', password: 'p' });
  assert.deepEqual(parseBasicAuth(header('u', 'p', 'BASIC')), { user: 'u', password: 'p' });
});

test('parseBasicAuth refuses anything that is not a well-formed Basic header', () => {
  const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');
  for (const bad of [
    undefined, '', 'Basic', 'Basic ', `Bearer ${b64('u:p')}`, `Basic${b64('u:p')}`,
    `Basic ${b64('no-colon')}`, // no separator
  ]) {
    assert.equal(parseBasicAuth(bad), undefined, String(bad));
  }
  assert.deepEqual(parseBasicAuth('Basic dTpw'), { user: 'u', password: 'p' });
  assert.equal(parseBasicAuth('Basic dTpwcQ'), undefined, 'missing padding');
  assert.equal(parseBasicAuth('Basic dTp*cQ=='), undefined, 'not base64');
  assert.equal(parseBasicAuth('Basic dTpwcR=='), undefined, 'stray bits after the last byte');
  assert.equal(parseBasicAuth(`Basic ${b64('u:\xff\xfe')}`), undefined, 'not UTF-8');
  assert.equal(parseBasicAuth(`Basic ${b64('u:p')} extra`), undefined, 'trailing token');
});

test('parseBasicAuth round-trips every user (no colon) and password', () => {
  fc.assert(fc.property(fc.string({ unit: 'grapheme' }).filter((u) => !u.includes(':')), fc.string({ unit: 'grapheme' }), (user, password) => {
    assert.deepEqual(parseBasicAuth(header(user, password)), { user, password });
  }));
});

test('the hash pattern accepts what bcrypt libraries write and nothing shorter', () => {
  const made = bcrypt.hashSync('x', 4);
  assert.match(made, BCRYPT_HASH);
  assert.match(made.replace(/^\$2b\$/, '$2y$'), BCRYPT_HASH);
  assert.match(made.replace(/^\$2b\$/, '$2a$'), BCRYPT_HASH);
  for (const bad of ['$2y$10$x', made.slice(0, -1), `${made}x`, made.replace('$04$', '$03$'), made.replace('$04$', '$32$'), made.replace(/^\$2b\$/, '$2x$'), 'plain-password']) {
    assert.doesNotMatch(bad, BCRYPT_HASH, bad);
  }
});

test('createBasicAuth verifies bcrypt hashes, refuses wrong passwords and unknown users', async () => {
  const auth = createBasicAuth({ prometheus: bcrypt.hashSync('right-password', 4), other: bcrypt.hashSync('pw2', 4).replace(/^\$2b\$/, '$2y$') });
  assert.equal(await auth.check(header('prometheus', 'right-password')), true);
  assert.equal(await auth.check(header('other', 'pw2')), true, '$2y$ hashes (htpasswd) verify');
  assert.equal(await auth.check(header('prometheus', 'wrong-password')), false);
  assert.equal(await auth.check(header('prometheus', 'pw2')), false, "another user's password");
  assert.equal(await auth.check(header('nobody', 'right-password')), false, 'unknown user');
  assert.equal(await auth.check(header('Prometheus', 'right-password')), false, 'user names are case-sensitive');
  assert.equal(await auth.check(undefined), false);
  assert.equal(await auth.check('Basic !!'), false);
  // a verified header stays verified; a wrong password for the same user still fails
  assert.equal(await auth.check(header('prometheus', 'right-password')), true);
  assert.equal(await auth.check(header('prometheus', 'wrong-password')), false);
  // concurrent requests with the same header share one verification
  const many = await Promise.all(Array.from({ length: 20 }, (_, i) => auth.check(header('other', i % 2 ? 'pw2' : 'bad'))));
  assert.deepEqual(many, Array.from({ length: 20 }, (_, i) => i % 2 === 1));
});

/**
 * Whether the check settles before the event loop's next turn, scheduled just before it starts:
 * bcryptjs always yields to the loop (setImmediate) before it answers, a cache hit never does.
 */
async function settlesWithoutYielding(check: () => Promise<unknown>): Promise<boolean> {
  let yielded = false;
  const turn = new Promise<void>((resolve) => setImmediate(() => { yielded = true; resolve(); }));
  await Promise.race([check(), turn]);
  return !yielded;
}

test('a verified header is answered from the cache; a wrong or unverified one runs bcrypt', async () => {
  const auth = createBasicAuth({ prometheus: bcrypt.hashSync('pw', 6) });
  const good = header('prometheus', 'pw');
  assert.equal(await settlesWithoutYielding(() => auth.check(good)), false, 'the first check runs bcrypt');
  assert.equal(await auth.check(good), true);
  assert.equal(await settlesWithoutYielding(() => auth.check(good)), true, 'the second check is cached');
  const bad = header('prometheus', 'nope');
  assert.equal(await auth.check(bad), false);
  assert.equal(await settlesWithoutYielding(() => auth.check(bad)), false, 'failures are never cached');
  // the cache lapses after its time to live
  const brief = createBasicAuth({ prometheus: bcrypt.hashSync('pw', 4) }, { ttlMs: 30 });
  assert.equal(await brief.check(good), true);
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(await settlesWithoutYielding(() => brief.check(good)), false, 'expired: bcrypt again');
});
