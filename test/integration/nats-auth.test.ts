// NATS connection settings against real nats-servers that require TLS and authentication:
// client certificates (verify), user/password, nkey, token and .creds (operator mode). Each way
// in works end to end (streams created, a message stored and read back); a wrong secret, a
// missing client certificate or an untrusted CA is refused with one line; the aggregator
// process takes its settings from SWEEP_NATS_* and an unreadable file stops it with exit 2.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAccount, createUser, fmtCreds, encodeUser } from '@nats-io/jwt';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { ConfigError } from '../../core/config/errors.js';
import type { NatsAuth } from '../../core/nats-auth.js';
import { connectNats, NatsAuthRefusedError, NatsUnreachableError } from '../../store/connect.js';
import { ensureStreams } from '../../store/streams.js';
import { resolveNatsAuth } from '../../client/nats-settings.js';
import { startNats, type NatsServer } from '../servers/nats.js';
import { makeCerts, makeOperator, tlsBlock, type OperatorSetup, type TestCerts } from '../servers/nats-secure.js';
import { killAllChildren, spawnChild } from '../servers/children.js';
import { waitFor } from './cluster-helpers.js';

const aggregatorEntry = fileURLToPath(new URL('../../workers/aggregator.js', import.meta.url));
const PASSWORD = 'pw-7f3a9c1e-not-a-real-password';
const TOKEN = 'tok-4b2d8e6f-not-a-real-token';

let dir: string;
let certs: TestCerts;
let op: OperatorSetup;
let userServer: NatsServer; // TLS with client certificates, users with passwords and an nkey
let tokenServer: NatsServer; // TLS, token
let operatorServer: NatsServer; // TLS, operator mode (JWTs)
let nkeySeedFile: string;
const servers: NatsServer[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sweep-nats-auth-'));
  certs = makeCerts(dir);
  const nkeyUser = createUser();
  nkeySeedFile = join(dir, 'user.nk');
  writeFileSync(nkeySeedFile, `${new TextDecoder().decode(nkeyUser.getSeed())}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'password'), `${PASSWORD}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'token'), TOKEN, { mode: 0o600 });
  writeFileSync(join(dir, 'wrong'), 'wrong\n', { mode: 0o600 });
  userServer = await startNats({
    scheme: 'tls',
    config: `${tlsBlock(certs, true)}authorization {\n  users = [\n    { user: sweep, password: "${PASSWORD}" }\n    { nkey: ${nkeyUser.getPublicKey()} }\n  ]\n}\n`,
  });
  servers.push(userServer);
  tokenServer = await startNats({ scheme: 'tls', config: `${tlsBlock(certs, false)}authorization {\n  token: "${TOKEN}"\n}\n` });
  servers.push(tokenServer);
  op = await makeOperator(dir);
  operatorServer = await startNats({ scheme: 'tls', config: `${tlsBlock(certs, false)}${op.config}` });
  servers.push(operatorServer);
});

after(async () => {
  await killAllChildren();
  for (const s of servers) await s.stop();
  rmSync(dir, { recursive: true, force: true });
});

const mtls = () => ({ ca: certs.ca, cert: certs.clientCert, key: certs.clientKey });

/** Connects, creates the streams, stores one message and reads it back. */
async function roundTrip(server: NatsServer, auth: NatsAuth): Promise<void> {
  const nc = await connectNats({ servers: [server.url], auth, timeoutMs: 5000 });
  try {
    await ensureStreams(nc);
    const js = jetstream(nc);
    const ack = await js.publish('sweep.events.auth-test.0123456789abcdef', JSON.stringify({ ok: true }), { msgID: `${Math.random()}` });
    const stored = await (await jetstreamManager(nc)).streams.getMessage(ack.stream, { seq: ack.seq });
    assert.deepEqual(stored?.json(), { ok: true });
  } finally {
    await nc.close();
  }
}

async function refused(server: NatsServer, auth: NatsAuth | undefined): Promise<Error> {
  const err = await connectNats({ servers: [server.url], auth, timeoutMs: 3000 }).then(async (nc) => {
    await nc.close();
    return undefined;
  }, (e: Error) => e);
  assert.ok(err, 'the connection should have been refused');
  assert.equal(err.message.split('\n').length, 1, err.message);
  return err;
}

test('TLS with a client certificate and user/password from a file', { timeout: 60_000 }, async () => {
  await roundTrip(userServer, { user: 'sweep', passFile: join(dir, 'password'), tls: mtls() });
});

test('TLS with a client certificate and an nkey seed file', { timeout: 60_000 }, async () => {
  await roundTrip(userServer, { nkeySeedFile, tls: mtls() });
});

test('a wrong password is refused as an authentication error, naming no secret', { timeout: 60_000 }, async () => {
  const err = await refused(userServer, { user: 'sweep', passFile: join(dir, 'wrong'), tls: mtls() });
  assert.ok(err instanceof NatsAuthRefusedError, `${err.name}: ${err.message}`);
  assert.ok(!err.message.includes('wrong') || !err.message.includes(PASSWORD));
});

test('without a client certificate, or trusting another CA, TLS fails', { timeout: 60_000 }, async () => {
  const noCert = await refused(userServer, { user: 'sweep', passFile: join(dir, 'password'), tls: { ca: certs.ca } });
  assert.ok(noCert instanceof NatsUnreachableError || noCert instanceof NatsAuthRefusedError, noCert.message);
  const otherCa = await refused(userServer, { user: 'sweep', passFile: join(dir, 'password'), tls: { ca: certs.otherCa, cert: certs.clientCert, key: certs.clientKey } });
  assert.ok(otherCa instanceof NatsUnreachableError, otherCa.message);
  const plain = await refused(userServer, { user: 'sweep', passFile: join(dir, 'password') });
  assert.ok(plain instanceof NatsUnreachableError || plain instanceof NatsAuthRefusedError, plain.message);
});

test('token from a file; a wrong token is refused', { timeout: 60_000 }, async () => {
  await roundTrip(tokenServer, { tokenFile: join(dir, 'token'), tls: { ca: certs.ca } });
  const err = await refused(tokenServer, { tokenFile: join(dir, 'wrong'), tls: { ca: certs.ca } });
  assert.ok(err instanceof NatsAuthRefusedError, err.message);
});

test('.creds in operator mode; a user signed by an unknown key is refused', { timeout: 60_000 }, async () => {
  await roundTrip(operatorServer, { creds: op.adminCreds, tls: { ca: certs.ca } });
  const stranger = createUser();
  const jwt = await encodeUser('stranger', stranger, createAccount());
  const creds = join(dir, 'stranger.creds');
  writeFileSync(creds, fmtCreds(jwt, stranger), { mode: 0o600 });
  const err = await refused(operatorServer, { creds, tls: { ca: certs.ca } });
  assert.ok(err instanceof NatsAuthRefusedError, err.message);
});

test('an unreadable credential file is a ConfigError naming the setting and path, before connecting', async () => {
  await assert.rejects(connectNats({ servers: [operatorServer.url], auth: { creds: join(dir, 'missing.creds') } }),
    (e: unknown) => e instanceof ConfigError && /creds: cannot read .*missing\.creds: ENOENT/.test(e.message));
});

test('flags win over SWEEP_NATS_* and the environment gives the rest', () => {
  const env = { SWEEP_NATS_TOKEN_FILE: '/t', SWEEP_NATS_TLS_CA: '/ca' };
  assert.deepEqual(resolveNatsAuth({}, env), { tokenFile: '/t', tls: { ca: '/ca' } });
  assert.deepEqual(resolveNatsAuth({ natsCreds: '/c' }, env), { creds: '/c', tls: { ca: '/ca' } });
  assert.equal(resolveNatsAuth({}, {}), undefined);
});

test('the aggregator process connects with SWEEP_NATS_* settings; an unreadable file exits 2 with one line', { timeout: 60_000 }, async () => {
  const env = {
    ...process.env, SWEEP_NATS_URL: userServer.url, SWEEP_NATS_USER: 'sweep', SWEEP_NATS_PASSWORD_FILE: join(dir, 'password'),
    SWEEP_NATS_TLS_CA: certs.ca, SWEEP_NATS_TLS_CERT: certs.clientCert, SWEEP_NATS_TLS_KEY: certs.clientKey,
  };
  const agg = spawnChild(process.execPath, [aggregatorEntry], { env });
  await waitFor('the aggregator to start', () => agg.output().includes('aggregator: consuming'), 30_000);
  await agg.kill('SIGTERM');
  assert.ok(!agg.output().includes(PASSWORD));

  const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(process.execPath, [aggregatorEntry], { env: { ...env, SWEEP_NATS_PASSWORD_FILE: join(dir, 'absent') }, timeout: 30_000 }, (err, _o, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr });
    });
  });
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /passFile: cannot read .*absent: ENOENT/);
});
