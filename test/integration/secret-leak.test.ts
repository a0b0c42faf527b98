// No secret is ever printed or stored: a cluster sweep runs with credentials everywhere — NATS
// in operator mode over TLS, the orchestrator holding an account signing key and issuing each
// trial attempt its own user JWT, the CLI and the worker with a .creds file — and standalone
// aggregators connect with a password and a token given as values (and wrong ones); the
// orchestrator's and aggregators' /metrics need TLS and basic auth from a web config (scraped
// with the right and a wrong password, and a web config with a password where its hash belongs
// refused). Then every
// log (worker, CLI, aggregators, nats-servers, Temporal), every file of the output folder and
// the sweep's Temporal histories are searched for the secret strings and for anything shaped
// like a NATS seed or user JWT.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'node:https';
import bcrypt from 'bcryptjs';
import { stringify } from 'yaml';
import { Client, Connection } from '@temporalio/client';
import { startNats, type NatsServer } from '../servers/nats.js';
import { makeCerts, makeOperator, tlsBlock, type OperatorSetup, type TestCerts } from '../servers/nats-secure.js';
import { startTemporal, type TemporalServer } from '../servers/temporal.js';
import { startOrchestratorProcess } from '../servers/orchestrator.js';
import { killAllChildren, spawnChild, type Child } from '../servers/children.js';
import { tinySpec, waitFor } from './cluster-helpers.js';

const cli = fileURLToPath(new URL('../../workers/cli.js', import.meta.url));
const aggregatorEntry = fileURLToPath(new URL('../../workers/aggregator.js', import.meta.url));
const PASSWORD = 'Pw-0c9e61d2-leak-canary';
const TOKEN = 'Tk-5a7f03b8-leak-canary';
const SCRAPE_PASSWORD = 'Ba-3e9d41c7-leak-canary';

let dir: string;
let certs: TestCerts;
let op: OperatorSetup;
let opNats: NatsServer;
let pwNats: NatsServer;
let tokNats: NatsServer;
let temporal: TemporalServer;
let orch: Child;
const logs: Array<[string, () => string]> = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sweep-leak-'));
  certs = makeCerts(dir);
  op = await makeOperator(dir);
  writeFileSync(join(dir, 'signing.seed'), op.signingSeed, { mode: 0o600 });
  opNats = await startNats({ scheme: 'tls', config: `${tlsBlock(certs, false)}${op.config}` });
  pwNats = await startNats({ scheme: 'tls', config: `${tlsBlock(certs, false)}authorization {\n  user: sweep\n  password: "${PASSWORD}"\n}\n` });
  tokNats = await startNats({ scheme: 'tls', config: `${tlsBlock(certs, false)}authorization {\n  token: "${TOKEN}"\n}\n` });
  temporal = await startTemporal();
  logs.push(['nats (operator)', opNats.log], ['nats (password)', pwNats.log], ['nats (token)', tokNats.log], ['temporal', temporal.log]);
});

after(async () => {
  await killAllChildren();
  for (const s of [opNats, pwNats, tokNats]) await s?.stop();
  await temporal?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const clusterEnv = () => ({
  ...process.env, SWEEP_NATS_CREDS: op.adminCreds, SWEEP_NATS_TLS_CA: certs.ca, SWEEP_DEBUG: '1',
});

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, name: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cmd, ...args], { env, timeout: 180_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      logs.push([name, () => `${stdout}\n${stderr}`]);
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}\n${stderr}` });
    });
  });
}

/** The status of GET `url` over https (the test CA) with basic auth `password` for user prometheus, or none. */
function scrape(url: string, password?: string): Promise<number | string> {
  const headers = password ? { authorization: `Basic ${Buffer.from(`prometheus:${password}`).toString('base64')}` } : undefined;
  return new Promise((resolve) => {
    const req = request(url, { ca: readFileSync(certs.ca), headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.end();
  });
}

/** Scrapes the /metrics a process printed it serves on: right password 200, wrong or none 401. */
async function scrapeAll(name: string, output: string): Promise<void> {
  const url = /metrics on (https:\/\/\S+\/metrics)/.exec(output)?.[1];
  assert.ok(url, `${name} serves /metrics over https: ${output}`);
  assert.equal(await scrape(url, SCRAPE_PASSWORD), 200, name);
  assert.equal(await scrape(url, `${SCRAPE_PASSWORD}-x`), 401, name);
  assert.equal(await scrape(url), 401, name);
}

/** Every file under `root`, as text. */
function filesUnder(root: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const name of readdirSync(root)) {
    const p = join(root, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push([p, readFileSync(p, 'latin1')]);
  }
  return out;
}

test('a sweep with credentials everywhere prints and stores no secret', { timeout: 300_000 }, async () => {
  const taskQueue = 'leak-test';
  // /metrics behind TLS and basic auth, as a web config file
  const scrapeHash = bcrypt.hashSync(SCRAPE_PASSWORD, 8);
  const webConfig = join(dir, 'metrics-web.yml');
  writeFileSync(webConfig, stringify({ tls_server_config: { cert_file: certs.serverCert, key_file: certs.serverKey }, basic_auth_users: { prometheus: scrapeHash } }));
  const metricsEnv = { SWEEP_METRICS_PORT: '0', SWEEP_METRICS_WEB_CONFIG: webConfig };
  orch = await startOrchestratorProcess({
    temporal: temporal.address, nats: opNats.url, taskQueue, maxTrials: 2,
    env: { ...clusterEnv(), ...metricsEnv, SWEEP_NATS_ACCOUNT_SIGNING_KEY_FILE: join(dir, 'signing.seed'), SWEEP_NATS_ACCOUNT: op.account, SWEEP_LOG_LEVEL: 'INFO' },
  });
  logs.push(['orchestrator', () => orch.output()]);
  assert.match(orch.output(), /\(per-trial credentials\)/);
  await scrapeAll('orchestrator', orch.output());

  const spec = join(dir, 'spec.yaml');
  writeFileSync(spec, stringify({ ...tinySpec('leak'), grid: { 'optimizer.lr': [0.05, 0.1] } }));
  const conn = ['--temporal', temporal.address, '--task-queue', taskQueue, '--nats', opNats.url];
  const submitted = await run(cli, ['submit', spec, '--wait', '--id', 'leak-sweep', ...conn], clusterEnv(), 'sweep submit');
  assert.equal(submitted.code, 0, submitted.out);
  assert.match(submitted.out, /2\/2 trials done \(2 succeeded/);
  const out = join(dir, 'out');
  // the report with flags instead of the environment
  const report = await run(cli, ['report', 'leak-sweep', '--out', out, ...conn, '--nats-creds', op.adminCreds, '--nats-tls-ca', certs.ca],
    { ...process.env, SWEEP_DEBUG: '1' }, 'sweep report');
  assert.equal(report.code, 0, report.out);

  // standalone aggregators with a password and a token given as values, right and wrong
  for (const [server, env, name] of [
    [pwNats, { SWEEP_NATS_USER: 'sweep', SWEEP_NATS_PASSWORD: PASSWORD }, 'aggregator (password)'],
    [tokNats, { SWEEP_NATS_TOKEN: TOKEN }, 'aggregator (token)'],
  ] as const) {
    const agg = spawnChild(process.execPath, [aggregatorEntry], { env: { ...process.env, ...metricsEnv, SWEEP_DEBUG: '1', SWEEP_NATS_URL: server.url, SWEEP_NATS_TLS_CA: certs.ca, ...env } });
    logs.push([name, () => agg.output()]);
    await waitFor(`${name} to start`, () => agg.output().includes('aggregator: consuming'), 30_000);
    await scrapeAll(name, agg.output());
    await agg.kill('SIGTERM');
  }
  const wrongPw = await run(aggregatorEntry, [], { ...process.env, SWEEP_NATS_URL: pwNats.url, SWEEP_NATS_TLS_CA: certs.ca, SWEEP_NATS_USER: 'sweep', SWEEP_NATS_PASSWORD: `${PASSWORD}-x` }, 'aggregator (wrong password)');
  assert.equal(wrongPw.code, 2, wrongPw.out);
  const wrongTok = await run(aggregatorEntry, [], { ...process.env, SWEEP_NATS_URL: tokNats.url, SWEEP_NATS_TLS_CA: certs.ca, SWEEP_NATS_TOKEN: `${TOKEN}-x` }, 'aggregator (wrong token)');
  assert.equal(wrongTok.code, 2, wrongTok.out);
  // the scrape password written where its hash belongs: refused at start-up, the value not echoed
  const plainWeb = join(dir, 'metrics-web-plain.yml');
  writeFileSync(plainWeb, stringify({ basic_auth_users: { prometheus: SCRAPE_PASSWORD } }));
  const badWeb = await run(aggregatorEntry, ['--metrics-port', '0', '--web-config', plainWeb], { ...process.env, SWEEP_DEBUG: '1', SWEEP_NATS_URL: tokNats.url, SWEEP_NATS_TLS_CA: certs.ca, SWEEP_NATS_TOKEN: TOKEN }, 'aggregator (password in the web config)');
  assert.equal(badWeb.code, 2, badWeb.out);
  assert.match(badWeb.out, /basic_auth_users\.prometheus: not a bcrypt hash/);

  // the sweep's Temporal histories: workflow and activity inputs, results, heartbeats, failures
  const connection = await Connection.connect({ address: temporal.address });
  const histories: Array<[string, string]> = [];
  try {
    const client = new Client({ connection });
    for await (const wf of client.workflow.list()) {
      const h = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
      histories.push([`history ${wf.workflowId}`, JSON.stringify(h)]);
    }
  } finally {
    await connection.close();
  }
  // the two trials train as one pack (its credential covers both), run as an activity of the
  // sweep: the sweep's history holds the pack activity's input, heartbeats and result
  assert.ok(histories.length >= 1, `the sweep has a history (${histories.length})`);
  assert.ok(histories.some(([name, text]) => !name.includes('/pack/') && text.includes('runTrialPack')),
    `a sweep history with the runTrialPack activity among ${histories.map(([n]) => n).join(', ')}`);

  const adminCreds = readFileSync(op.adminCreds, 'utf8');
  const adminJwt = adminCreds.split('\n')[1];
  const adminSeed = adminCreds.match(/SU[A-Z2-7]{56}/)![0];
  // the web config's secrets: the scrape password, its hash and the TLS key (a line of its body)
  const keyLine = readFileSync(certs.serverKey, 'utf8').split('\n').find((l) => l.length >= 40 && !l.startsWith('-----'))!;
  const secrets = [PASSWORD, TOKEN, op.signingSeed, adminJwt, adminSeed, SCRAPE_PASSWORD, scrapeHash, keyLine];
  const shapes = [/-----BEGIN NATS/, /\bS[AUO][A-Z2-7]{56}\b/, /eyJ0eXAiOiJKV1Qi/, /-----BEGIN [A-Z ]*PRIVATE KEY/, /\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}/];
  const haystacks: Array<[string, string]> = [
    ...logs.map(([name, text]) => [name, text()] as [string, string]),
    ...filesUnder(out),
    ...histories,
  ];
  assert.ok(filesUnder(out).some(([f]) => f.endsWith('trials.jsonl')));
  for (const [where, text] of haystacks) {
    for (const s of secrets) assert.ok(!text.includes(s), `${where} holds a secret (${s.slice(0, 4)}…)`);
    for (const re of shapes) assert.ok(!re.test(text), `${where} holds something shaped like a credential (${re})`);
  }
});
