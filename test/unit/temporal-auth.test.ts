// Temporal connection settings: flags before the environment, values or _FILE, every file read
// and checked before anything connects (one line naming the flag or variable), and an API key
// or private key that never shows up in a printed, logged or serialised settings object.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../core/config/errors.js';
import { EnvError, parseEnv } from '../../core/env.js';
import { resolveTemporalCredentials, TemporalCredentials } from '../../client/temporal-auth.js';
import { resolveSettings } from '../../client/settings.js';
import { orchestratorEnvSchema } from '../../workers/process-env.js';
import { makeTestPki } from '../servers/tls-certs.js';

const pki = makeTestPki();
after(() => pki.remove());
const SECRET = 'sk-test-7f3a9c1e5b';
const apiKeyFile = join(pki.dir, 'api-key');
writeFileSync(apiKeyFile, `${SECRET}\n`);

test('no setting: plaintext, no TLS options', () => {
  const c = resolveTemporalCredentials({}, {});
  assert.equal(c, TemporalCredentials.plaintext);
  assert.deepEqual(c.connectionOptions(), {});
  assert.equal(c.usesTls, false);
});

test('flags: CA, client certificate pair and server name become the SDK TLS options', () => {
  const c = resolveTemporalCredentials({ tlsCa: pki.ca, tlsCert: pki.client.cert, tlsKey: pki.client.key, tlsServerName: 'temporal.internal' }, {});
  const o = c.connectionOptions();
  assert.deepEqual(Buffer.from(o.tls!.serverRootCACertificate!), readFileSync(pki.ca));
  assert.deepEqual(Buffer.from(o.tls!.clientCertPair!.crt), readFileSync(pki.client.cert));
  assert.deepEqual(Buffer.from(o.tls!.clientCertPair!.key), readFileSync(pki.client.key));
  assert.equal(o.tls!.serverNameOverride, 'temporal.internal');
  assert.equal(o.apiKey, undefined);
  assert.equal(c.toString(), 'TLS, CA from --temporal-tls-ca, client certificate from --temporal-tls-cert, server name temporal.internal');
});

test('environment: values and _FILE variants; a flag wins over the environment', () => {
  const env = {
    SWEEP_TEMPORAL_TLS_CA: readFileSync(pki.ca, 'utf8'),
    SWEEP_TEMPORAL_TLS_CERT_FILE: pki.client.cert, SWEEP_TEMPORAL_TLS_KEY_FILE: pki.client.key,
    SWEEP_TEMPORAL_API_KEY_FILE: apiKeyFile,
  };
  const c = resolveTemporalCredentials({}, env);
  assert.equal(c.connectionOptions().apiKey, SECRET, 'the file\'s trailing newline is not part of the key');
  assert.deepEqual(Buffer.from(c.connectionOptions().tls!.serverRootCACertificate!), readFileSync(pki.ca));
  assert.equal(c.toString(), 'TLS, CA from SWEEP_TEMPORAL_TLS_CA, client certificate from SWEEP_TEMPORAL_TLS_CERT_FILE, API key from SWEEP_TEMPORAL_API_KEY_FILE');
  const flagged = resolveTemporalCredentials({ tlsCa: pki.otherCa }, env);
  assert.deepEqual(Buffer.from(flagged.connectionOptions().tls!.serverRootCACertificate!), readFileSync(pki.otherCa));
  assert.equal(resolveTemporalCredentials({}, { SWEEP_TEMPORAL_API_KEY: SECRET }).connectionOptions().apiKey, SECRET);
});

test('an API key alone turns TLS on with the system CAs (Temporal Cloud); SWEEP_TEMPORAL_TLS=1 forces TLS', () => {
  const cloud = resolveTemporalCredentials({ apiKeyFile }, {});
  assert.deepEqual(cloud.connectionOptions(), { tls: {}, apiKey: SECRET });
  assert.equal(cloud.usesTls, true);
  assert.deepEqual(resolveTemporalCredentials({}, { SWEEP_TEMPORAL_TLS: '1' }).connectionOptions(), { tls: {} });
  assert.deepEqual(resolveTemporalCredentials({}, { SWEEP_TEMPORAL_TLS: '0' }).connectionOptions(), {});
});

test('the settings never print a key: String, JSON, util.inspect of the credentials and of the whole settings', () => {
  const s = resolveSettings({ temporalAuth: { tlsCa: pki.ca, tlsCert: pki.client.cert, tlsKey: pki.client.key, apiKeyFile } }, {});
  const keyPem = readFileSync(pki.client.key, 'utf8');
  const keyBody = keyPem.split('\n')[1];
  for (const shown of [String(s.temporalCredentials), JSON.stringify(s), inspect(s, { depth: 10 }), `${s.temporalCredentials}`]) {
    assert.ok(!shown.includes(SECRET), shown);
    assert.ok(!shown.includes(keyBody), shown);
  }
  assert.match(JSON.stringify(s), /"temporalCredentials":"TLS, CA from --temporal-tls-ca, client certificate from --temporal-tls-cert, API key from --temporal-api-key-file"/);
});

test('bad files and pairs: one ConfigError naming every problem by its flag', () => {
  const notPem = join(pki.dir, 'not-pem');
  writeFileSync(notPem, 'hello');
  const unreadable = join(pki.dir, 'unreadable');
  writeFileSync(unreadable, 'x');
  chmodSync(unreadable, 0o000);
  const cases: Array<[Parameters<typeof resolveTemporalCredentials>[0], RegExp]> = [
    [{ tlsCa: join(pki.dir, 'missing.crt') }, /^--temporal-tls-ca: cannot read ".*missing\.crt": no such file$/],
    [{ tlsCa: pki.dir }, /^--temporal-tls-ca: cannot read ".*": is a folder$/],
    [{ tlsCa: notPem }, /^--temporal-tls-ca: not a PEM certificate$/],
    [{ tlsCert: pki.client.cert }, /^--temporal-tls-cert: a client certificate needs its private key/],
    [{ tlsKey: pki.client.key }, /^--temporal-tls-key: a private key needs its client certificate/],
    [{ tlsCert: pki.client.cert, tlsKey: pki.system.key }, /^--temporal-tls-key: not the private key of the certificate in --temporal-tls-cert$/],
    [{ tlsCert: pki.client.cert, tlsKey: notPem }, /^--temporal-tls-key: not a PEM private key$/],
    [{ apiKeyFile: notPem + '-empty' }, /^--temporal-api-key-file: cannot read/],
    [{ tlsServerName: ' ' }, /^--temporal-tls-server-name: must not be empty$/],
  ];
  // root reads any file whatever its mode; the permission case only means something otherwise
  if (process.getuid?.() !== 0) cases.push([{ tlsCa: unreadable }, /^--temporal-tls-ca: cannot read ".*": permission denied$/]);
  for (const [input, want] of cases) {
    assert.throws(() => resolveTemporalCredentials(input, {}), (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.equal(err.problems.length, 1, err.message);
      assert.match(err.problems[0], want);
      return true;
    });
  }
  writeFileSync(join(pki.dir, 'empty-key'), '\n');
  assert.throws(() => resolveTemporalCredentials({ apiKeyFile: join(pki.dir, 'empty-key') }, {}), /--temporal-api-key-file: the API key is empty/);
});

test('environment problems are EnvErrors naming the variable, and no value of a secret', () => {
  const cases: Array<[NodeJS.ProcessEnv, RegExp]> = [
    [{ SWEEP_TEMPORAL_TLS_CA_FILE: join(pki.dir, 'nope') }, /^SWEEP_TEMPORAL_TLS_CA_FILE: cannot read ".*nope": no such file$/],
    [{ SWEEP_TEMPORAL_API_KEY_FILE: join(pki.dir, 'nope') }, /^SWEEP_TEMPORAL_API_KEY_FILE: cannot read/],
    [{ SWEEP_TEMPORAL_API_KEY: SECRET, SWEEP_TEMPORAL_API_KEY_FILE: apiKeyFile }, /^SWEEP_TEMPORAL_API_KEY: set either SWEEP_TEMPORAL_API_KEY or SWEEP_TEMPORAL_API_KEY_FILE, not both$/],
    [{ SWEEP_TEMPORAL_TLS: 'yes' }, /^SWEEP_TEMPORAL_TLS: must be 0 or 1/],
  ];
  for (const [env, want] of cases) {
    assert.throws(() => resolveTemporalCredentials({}, env), (err: unknown) => {
      assert.ok(err instanceof EnvError, String(err));
      assert.match(err.line, want);
      assert.ok(!err.message.includes(SECRET));
      return true;
    });
  }
  // the orchestrator's schema checks the same variables at start-up
  assert.throws(() => parseEnv(orchestratorEnvSchema, { SWEEP_TEMPORAL_TLS_KEY_FILE: join(pki.dir, 'nope') }),
    (err: unknown) => err instanceof EnvError && /^SWEEP_TEMPORAL_TLS_KEY_FILE: cannot read/.test(err.line));
});

const cli = fileURLToPath(new URL('../../workers/cli.js', import.meta.url));
const orchestrator = fileURLToPath(new URL('../../workers/orchestrator.js', import.meta.url));

test('the CLI and the orchestrator: a missing certificate is one line, exit 2, before connecting', () => {
  const env = { ...process.env, SWEEP_DEBUG: '' };
  const missing = join(pki.dir, 'missing.crt');
  const status = spawnSync(process.execPath, [cli, 'status', 'x', '--temporal', '127.0.0.1:1', '--temporal-tls-ca', missing], { encoding: 'utf8', env });
  assert.equal(status.status, 2, status.stderr);
  assert.equal(status.stderr, `sweep: invalid Temporal connection settings: --temporal-tls-ca: cannot read ${JSON.stringify(missing)}: no such file\n`);
  const fromEnv = spawnSync(process.execPath, [cli, 'status', 'x', '--temporal', '127.0.0.1:1'], { encoding: 'utf8', env: { ...env, SWEEP_TEMPORAL_TLS_CERT_FILE: missing } });
  assert.equal(fromEnv.status, 2, fromEnv.stderr);
  assert.equal(fromEnv.stderr, `sweep: invalid environment: SWEEP_TEMPORAL_TLS_CERT_FILE: cannot read ${JSON.stringify(missing)}: no such file\n`);
  const worker = spawnSync(process.execPath, [orchestrator, '--temporal', '127.0.0.1:1', '--nats', 'nats://127.0.0.1:1'], { encoding: 'utf8', env: { ...env, SWEEP_TEMPORAL_API_KEY_FILE: missing } });
  assert.equal(worker.status, 2, worker.stderr);
  assert.equal(worker.stderr, `orchestrator: SWEEP_TEMPORAL_API_KEY_FILE: cannot read ${JSON.stringify(missing)}: no such file\n`);
  const workerFlag = spawnSync(process.execPath, [orchestrator, '--temporal', '127.0.0.1:1', '--nats', 'nats://127.0.0.1:1', '--temporal-tls-key', missing], { encoding: 'utf8', env });
  assert.equal(workerFlag.status, 2, workerFlag.stderr);
  assert.match(workerFlag.stderr, /^orchestrator: Temporal connection settings: --temporal-tls-key: cannot read ".*missing\.crt": no such file\n$/);
});
