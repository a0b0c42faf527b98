// Temporal with TLS required, on Temporal's own server (test/servers/temporal-tls): a sweep
// submitted by the CLI with the right CA, client certificate and server name runs to the end on
// an orchestrator worker configured through its environment; a client without a certificate,
// with a certificate of another CA, trusting the wrong CA, without the server name or in
// plaintext is refused with one line naming the address, how it connected and the problem,
// exit 1 (the CLI's code for an unreachable server), no stack. With an API key required, the key the client and
// the worker send is the one the server checks, and a wrong key is refused — and no output
// holds the key.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SweepClient } from '../../client/sweep-client.js';
import { TemporalUnreachableError } from '../../client/connect.js';
import { startNats, type NatsServer } from '../servers/nats.js';
import { killAllChildren, type Child } from '../servers/children.js';
import { startOrchestratorProcess } from '../servers/orchestrator.js';
import { makeTestPki, type TestPki } from '../servers/tls-certs.js';
import { startTemporalTls, type TemporalTlsServer } from '../servers/temporal-tls.js';
import { tinySpec } from './cluster-helpers.js';

const cli = fileURLToPath(new URL('../../workers/cli.js', import.meta.url));
const API_KEY = 'tk-integration-5d0c2e9b71';
let pki: TestPki;
let nats: NatsServer;
let dir: string;
let specFile: string;

function sweep(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 180_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], {
      timeout: timeoutMs, env: { ...process.env, SWEEP_NATS_URL: nats.url, SWEEP_DEBUG: '', ...env },
    }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

before(async () => {
  pki = makeTestPki();
  dir = mkdtempSync(join(tmpdir(), 'sweep-tls-'));
  specFile = join(dir, 'spec.json');
  writeFileSync(specFile, JSON.stringify(tinySpec('tls-sweep')));
  writeFileSync(join(dir, 'api-key'), `${API_KEY}\n`);
  writeFileSync(join(dir, 'wrong-key'), 'tk-wrong\n');
  nats = await startNats();
});

after(async () => {
  await killAllChildren();
  await nats?.stop();
  pki?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The worker's settings as Helm sets them: files named by SWEEP_TEMPORAL_*_FILE. */
const workerTlsEnv = () => ({
  SWEEP_TEMPORAL_TLS_CA_FILE: pki.ca, SWEEP_TEMPORAL_TLS_CERT_FILE: pki.client.cert, SWEEP_TEMPORAL_TLS_KEY_FILE: pki.client.key,
  SWEEP_TEMPORAL_TLS_SERVER_NAME: pki.serverName,
});

const refusedLine = (address: string) => new RegExp(`^sweep: cannot reach Temporal at ${address.replace(/\./g, '\\.')}( \\([^)]*\\))?: [^\\n]+\\n$`);

test('mTLS required: the right certificates run a sweep; every wrong one is refused in one line', { timeout: 600_000 }, async (t) => {
  const temporal: TemporalTlsServer = await startTemporalTls(pki, { requireClientCert: true });
  const started: { worker?: Child } = {};
  t.after(async () => { await started.worker?.kill('SIGTERM'); await temporal.stop(); });
  const queue = 'it-tls';
  const worker = started.worker = await startOrchestratorProcess({
    temporal: temporal.address, nats: nats.url, taskQueue: queue, maxTrials: 1, localMode: 'in-process', env: workerTlsEnv(),
  });
  assert.match(worker.output(), /\(default, TLS, CA from SWEEP_TEMPORAL_TLS_CA_FILE, client certificate from SWEEP_TEMPORAL_TLS_CERT_FILE, server name temporal\.internal\)/);

  const flags = ['--temporal', temporal.address, '--task-queue', queue, '--temporal-tls-ca', pki.ca,
    '--temporal-tls-cert', pki.client.cert, '--temporal-tls-key', pki.client.key, '--temporal-tls-server-name', pki.serverName];
  const done = await sweep(['submit', specFile, '--wait', ...flags]);
  assert.equal(done.code, 0, done.stderr);
  assert.match(done.stdout.trim(), /^tls-sweep-/);
  assert.match(done.stderr, /1\/1 trials done \(1 succeeded/);
  const status = await sweep(['status', done.stdout.trim(), ...flags]);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /completed/);

  const base = ['status', done.stdout.trim(), '--temporal', temporal.address, '--connect-timeout', '3000'];
  const wrong: Array<[string, string[], RegExp]> = [
    ['no client certificate', ['--temporal-tls-ca', pki.ca, '--temporal-tls-server-name', pki.serverName],
      /: the server requires a client certificate /],
    ['a client certificate of another CA', ['--temporal-tls-ca', pki.ca, '--temporal-tls-server-name', pki.serverName, '--temporal-tls-cert', pki.otherClient.cert, '--temporal-tls-key', pki.otherClient.key],
      /: the server refused the client certificate /],
    ['trusting another CA', ['--temporal-tls-ca', pki.otherCa, '--temporal-tls-server-name', pki.serverName, '--temporal-tls-cert', pki.client.cert, '--temporal-tls-key', pki.client.key],
      /: the server's certificate is not signed by the given CA /],
    ['without the server name (the certificate names temporal.internal, not 127.0.0.1)', ['--temporal-tls-ca', pki.ca, '--temporal-tls-cert', pki.client.cert, '--temporal-tls-key', pki.client.key],
      /: the server's certificate does not name 127\.0\.0\.1 \(set --temporal-tls-server-name/],
    ['plaintext', [], /: the server requires TLS /],
  ];
  for (const [what, extra, reason] of wrong) {
    const r = await sweep([...base, ...extra]);
    t.diagnostic(`${what}: ${r.stderr.trim()}`);
    assert.equal(r.code, 1, `${what}: ${r.stderr}`);
    assert.match(r.stderr, refusedLine(temporal.address), `${what}: one line naming the address`);
    assert.doesNotMatch(r.stderr, /\n\s+at /, `${what}: no stack`);
    if (extra.length) assert.match(r.stderr, /\(TLS, /, `${what}: says it connected with TLS`);
    assert.match(r.stderr, reason, `${what}: names the problem`);
  }

  // The client API: the same refusal as a typed error, the right settings connect.
  await assert.rejects(SweepClient.connect({ temporal: temporal.address, connectTimeoutMs: 3000, temporalAuth: { tlsCa: pki.ca, tlsServerName: pki.serverName } }),
    (err: unknown) => err instanceof TemporalUnreachableError && !err.message.includes('\n'));
  const client = await SweepClient.connect({
    temporal: temporal.address, nats: nats.url, taskQueue: queue,
    temporalAuth: { tlsCa: pki.ca, tlsCert: pki.client.cert, tlsKey: pki.client.key, tlsServerName: pki.serverName },
  });
  try {
    assert.equal((await client.status(done.stdout.trim())).status, 'COMPLETED');
  } finally {
    await client.close();
  }

  // A worker without its client certificate does not start: one line, exit 1.
  const bare = await startOrchestratorProcess({
    temporal: temporal.address, nats: nats.url, taskQueue: 'it-tls-bare', env: { SWEEP_TEMPORAL_TLS_CA_FILE: pki.ca, SWEEP_TEMPORAL_TLS_SERVER_NAME: pki.serverName, SWEEP_CONNECT_TIMEOUT_MS: '3000' },
  }).then((c) => c, (err: unknown) => err);
  assert.ok(bare instanceof Error, 'the worker exits during start-up');
  assert.match(bare.message, /orchestrator: cannot reach Temporal at [^\n]+ \(TLS, CA from SWEEP_TEMPORAL_TLS_CA_FILE, server name temporal\.internal\): the server requires a client certificate /);
});

test('API key required: the key of the client and of the worker reaches the server; a wrong one is refused; no output shows it', { timeout: 600_000 }, async (t) => {
  const keyFile = join(dir, 'api-key');
  const temporal = await startTemporalTls(pki, { requireClientCert: true, apiKeyFile: keyFile });
  const started: { worker?: Child } = {};
  t.after(async () => { await started.worker?.kill('SIGTERM'); await temporal.stop(); });
  const queue = 'it-tls-key';
  const tlsFlags = ['--temporal', temporal.address, '--task-queue', queue, '--temporal-tls-ca', pki.ca,
    '--temporal-tls-cert', pki.client.cert, '--temporal-tls-key', pki.client.key, '--temporal-tls-server-name', pki.serverName];

  const noKey = await sweep(['status', 'x', ...tlsFlags, '--connect-timeout', '3000']);
  assert.equal(noKey.code, 1, noKey.stderr);
  assert.match(noKey.stderr, refusedLine(temporal.address));
  const wrongKey = await sweep(['status', 'x', ...tlsFlags, '--connect-timeout', '3000', '--temporal-api-key-file', join(dir, 'wrong-key')]);
  assert.equal(wrongKey.code, 1, wrongKey.stderr);
  assert.match(wrongKey.stderr, refusedLine(temporal.address));
  assert.match(wrongKey.stderr, /API key from --temporal-api-key-file/);
  // the server's own refusal, passed on: the key reached it and was checked
  for (const r of [noKey, wrongKey]) assert.match(r.stderr, /UNAUTHENTICATED: missing or wrong API key\n$/);

  const worker = started.worker = await startOrchestratorProcess({
    temporal: temporal.address, nats: nats.url, taskQueue: queue, maxTrials: 1, localMode: 'in-process',
    env: { ...workerTlsEnv(), SWEEP_TEMPORAL_API_KEY_FILE: keyFile },
  });
  const done = await sweep(['submit', specFile, '--wait', ...tlsFlags], { SWEEP_TEMPORAL_API_KEY: API_KEY });
  assert.equal(done.code, 0, done.stderr);
  assert.match(done.stderr, /1\/1 trials done \(1 succeeded/);
  const status = await sweep(['status', done.stdout.trim(), ...tlsFlags, '--temporal-api-key-file', keyFile]);
  assert.equal(status.code, 0, status.stderr);
  for (const [what, text] of [['worker', worker.output()], ['submit', done.stdout + done.stderr], ['status', status.stdout + status.stderr], ['refusals', noKey.stderr + wrongKey.stderr]]) {
    assert.ok(!text.includes(API_KEY), `${what} output holds no API key`);
  }
});
