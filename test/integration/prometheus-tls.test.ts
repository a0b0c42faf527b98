// The /metrics endpoint with a Prometheus web config: the aggregator process serves it over
// TLS requiring a client certificate, on loopback, and the real Prometheus scrapes it with its
// tls_config; plain HTTP, an untrusted client or no client certificate get nothing. With
// basic_auth_users (bcrypt hashes), over plain HTTP and over TLS, Prometheus scrapes with its
// basic_auth; no credentials, a wrong password or an unknown user get 401. Bad web configs
// (unknown keys, a hash that is not bcrypt) stop the process with one line and exit code 2.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import bcrypt from 'bcryptjs';
import { stringify } from 'yaml';
import { startNats, type NatsServer } from '../servers/nats.js';
import { startPrometheus, type PrometheusServer } from '../servers/prometheus.js';
import { makeCerts, type TestCerts } from '../servers/certs.js';
import { freePort } from '../servers/free-port.js';
import { killAllChildren, spawnChild } from '../servers/children.js';
import { waitFor } from './cluster-helpers.js';

const aggregatorEntry = fileURLToPath(new URL('../../workers/aggregator.js', import.meta.url));
let dir: string;
let certs: TestCerts;
let nats: NatsServer;
let prom: PrometheusServer | undefined;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sweep-web-config-'));
  certs = makeCerts(dir);
  nats = await startNats();
});

after(async () => {
  await prom?.stop();
  await killAllChildren();
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function webConfig(name: string, doc: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, stringify(doc));
  return file;
}

/** GET over https with the given client certificate (or none); resolves with the status or the error's code. */
function get(url: string, client?: { cert: string; key: string }): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(url, { ca: readFileSync(certs.ca), ...(client ? { cert: readFileSync(client.cert), key: readFileSync(client.key) } : {}) }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.end();
  });
}

test('Prometheus scrapes the aggregator over TLS with a client certificate; others are refused', { timeout: 120_000 }, async () => {
  // relative paths are the web config's folder, as in the exporters
  const file = webConfig('web.yml', {
    tls_server_config: { cert_file: 'server.crt', key_file: 'server.key', client_auth_type: 'RequireAndVerifyClientCert', client_ca_file: 'test-ca.crt' },
  });
  const port = await freePort();
  const agg = spawnChild(process.execPath, [aggregatorEntry, '--nats', nats.url, '--metrics-port', String(port), '--web-config', file]);
  await waitFor('the aggregator to start', () => agg.output().includes('aggregator: consuming'), 30_000);
  // the default bind stays loopback
  assert.match(agg.output(), new RegExp(`metrics on https://127\\.0\\.0\\.1:${port}/metrics`));
  const url = `https://127.0.0.1:${port}/metrics`;
  assert.equal(await get(url, { cert: certs.clientCert, key: certs.clientKey }), 200);
  assert.notEqual(await get(url), 200, 'no client certificate');
  // a client certificate from another CA
  const other = makeCerts(mkdtempSync(join(dir, 'other-')));
  assert.notEqual(await get(url, { cert: other.clientCert, key: other.clientKey }), 200, 'untrusted client certificate');
  const plain = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.status, () => 'refused');
  assert.notEqual(plain, 200, 'plain HTTP');

  prom = await startPrometheus({
    targets: [{ job: 'aggregator-tls', targets: [`127.0.0.1:${port}`], scheme: 'https', tlsConfig: { ca_file: certs.ca, cert_file: certs.clientCert, key_file: certs.clientKey } }],
  });
  await waitFor('Prometheus scraping over TLS', async () => (await prom!.targets()).some((t) => t.labels.job === 'aggregator-tls' && t.health === 'up'), 60_000);
  const up = await prom.query('up{job="aggregator-tls"}');
  assert.equal(up[0]?.value[1], '1');
  // the aggregator's own series arrived, with its service label
  const series = await prom.query('count by (service) ({job="aggregator-tls", service!=""})');
  assert.equal(series[0]?.metric.service, 'aggregator');
  assert.ok(Number(series[0]?.value[1]) > 5, `series scraped: ${series[0]?.value[1]}`);
  // Prometheus without the client certificate cannot scrape it
  await prom.setTargets([{ job: 'no-cert', targets: [`127.0.0.1:${port}`], scheme: 'https', tlsConfig: { ca_file: certs.ca } }]);
  await waitFor('the scrape without a client certificate to fail', async () => (await prom!.targets()).some((t) => t.labels.job === 'no-cert' && t.health === 'down'), 60_000);
  await agg.kill('SIGTERM');
});

/** GET with an optional Authorization header (https with the test CA); the status and WWW-Authenticate. */
function getAuth(url: string, authorization?: string): Promise<{ status: number | string; challenge?: string }> {
  return new Promise((resolve) => {
    const headers = authorization ? { authorization } : undefined;
    const done = (res: import('node:http').IncomingMessage) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, challenge: res.headers['www-authenticate'] });
    };
    const req = url.startsWith('https:') ? request(url, { ca: readFileSync(certs.ca), headers }, done) : httpRequest(url, { headers }, done);
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ status: err.code ?? err.message }));
    req.end();
  });
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const SCRAPE_PASSWORD = 'scrape-pw-7f3a';

/** An aggregator serving /metrics with `web` as its web config, started and with its URL checked. */
async function aggregatorWith(name: string, web: unknown, scheme: 'http' | 'https') {
  const port = await freePort();
  const agg = spawnChild(process.execPath, [aggregatorEntry, '--nats', nats.url, '--metrics-port', String(port), '--web-config', webConfig(name, web)]);
  await waitFor('the aggregator to start', () => agg.output().includes('aggregator: consuming'), 30_000);
  assert.match(agg.output(), new RegExp(`metrics on ${scheme}://127\\.0\\.0\\.1:${port}/metrics`));
  return { agg, port, url: `${scheme}://127.0.0.1:${port}/metrics` };
}

async function scrapeHealth(job: string, want: 'up' | 'down') {
  await waitFor(`the ${job} scrape to be ${want}`, async () => (await prom!.targets()).some((t) => t.labels.job === job && t.health === want), 60_000);
  return (await prom!.targets()).find((t) => t.labels.job === job)!;
}

for (const scheme of ['http', 'https'] as const) {
  test(`Prometheus scrapes with basic auth over ${scheme}; no credentials, a wrong password or an unknown user get 401`, { timeout: 120_000 }, async () => {
    // a second user with a $2y$ hash, as htpasswd writes them
    const users = { prometheus: bcrypt.hashSync(SCRAPE_PASSWORD, 8), grafana: bcrypt.hashSync('other-pw', 8).replace(/^\$2b\$/, '$2y$') };
    const tls = scheme === 'https' ? { tls_server_config: { cert_file: 'server.crt', key_file: 'server.key' } } : {};
    const { agg, port, url } = await aggregatorWith(`basic-${scheme}.yml`, { ...tls, basic_auth_users: users }, scheme);
    assert.equal((await getAuth(url, basic('prometheus', SCRAPE_PASSWORD))).status, 200);
    assert.equal((await getAuth(url, basic('grafana', 'other-pw'))).status, 200);
    for (const [what, header] of [['no credentials', undefined], ['a wrong password', basic('prometheus', 'wrong')], ['an unknown user', basic('nobody', SCRAPE_PASSWORD)],
      ["another user's password", basic('grafana', SCRAPE_PASSWORD)], ['a malformed header', 'Basic not-base64!'], ['a bearer token', 'Bearer abc']] as const) {
      const r = await getAuth(url, header);
      assert.equal(r.status, 401, what);
      assert.equal(r.challenge, 'Basic', what);
    }
    // every path is behind the credentials, the health check too
    assert.equal((await getAuth(url.replace('/metrics', '/healthz'))).status, 401);

    const tlsConfig = scheme === 'https' ? { tlsConfig: { ca_file: certs.ca } } : {};
    const targets = [
      { job: `basic-${scheme}`, targets: [`127.0.0.1:${port}`], scheme, ...tlsConfig, basicAuth: { username: 'prometheus', password: SCRAPE_PASSWORD } },
      { job: `basic-${scheme}-wrong`, targets: [`127.0.0.1:${port}`], scheme, ...tlsConfig, basicAuth: { username: 'prometheus', password: 'wrong' } },
      { job: `basic-${scheme}-none`, targets: [`127.0.0.1:${port}`], scheme, ...tlsConfig },
    ];
    if (prom) await prom.setTargets(targets);
    else prom = await startPrometheus({ targets });
    await scrapeHealth(`basic-${scheme}`, 'up');
    const series = await prom.query(`count by (service) ({job="basic-${scheme}", service!=""})`);
    assert.equal(series[0]?.metric.service, 'aggregator');
    assert.ok(Number(series[0]?.value[1]) > 5, `series scraped: ${series[0]?.value[1]}`);
    for (const job of [`basic-${scheme}-wrong`, `basic-${scheme}-none`]) {
      const t = await scrapeHealth(job, 'down');
      assert.match(t.lastError, /401/, `${job}: ${t.lastError}`);
    }
    await agg.kill('SIGTERM');
  });
}

function runAggregator(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [aggregatorEntry, '--nats', nats.url, '--metrics-port', '0', ...args], { timeout: 30_000 }, (err, _o, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr });
    });
  });
}

test('a bad web config is one line naming the problem, exit 2', { timeout: 60_000 }, async () => {
  const unknown = await runAggregator(['--web-config', webConfig('unknown.yml', { tls_server_config: { cert_file: 'server.crt', key_file: 'server.key', cert: 'x' } })]);
  assert.equal(unknown.code, 2, unknown.stderr);
  assert.match(unknown.stderr.trim(), /^aggregator: .*unknown\.yml: tls_server_config\.cert: unknown key$/);
  // a password written where its bcrypt hash belongs: refused, naming the user, never echoing the value
  const plainPassword = await runAggregator(['--web-config', webConfig('basic.yml', { basic_auth_users: { prometheus: SCRAPE_PASSWORD } })]);
  assert.equal(plainPassword.code, 2, plainPassword.stderr);
  assert.equal(plainPassword.stderr.trim().split('\n').length, 1, plainPassword.stderr);
  assert.match(plainPassword.stderr, /basic\.yml: basic_auth_users\.prometheus: not a bcrypt hash/);
  assert.ok(!plainPassword.stderr.includes(SCRAPE_PASSWORD), plainPassword.stderr);
  const missing = await runAggregator(['--web-config', webConfig('missing.yml', { tls_server_config: { cert_file: 'nope.crt', key_file: 'server.key' } })]);
  assert.equal(missing.code, 2, missing.stderr);
  assert.match(missing.stderr, /tls_server_config\.cert_file: cannot read nope\.crt: ENOENT/);
});
