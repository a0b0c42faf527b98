// Per-trial credentials on a real nats-server in operator mode (TLS, memory resolver): a trial
// attempt's user JWT publishes its own trial's metrics and events, and JetStream acknowledges
// them (they land in the streams); it cannot publish another trial's subjects, subscribe to
// `sweep.>` or `_INBOX.>`, reach the JetStream API, or read a KV bucket; it expires. The real
// trainer process, started by the local executor with such a credential, runs a trial to its end.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from '@nats-io/jwt';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { TrialCredentialIssuer, trialPermissions } from '../../activities/trial-credentials.js';
import { LocalProcessExecutor } from '../../activities/local-executor.js';
import type { TrialLaunch } from '../../activities/executor.js';
import { resolveSpec } from '../../core/config/spec.js';
import { eventsSubject, metricsSubject } from '../../core/messages.js';
import { connectNats, NatsAuthRefusedError } from '../../store/connect.js';
import { ensureStreams } from '../../store/streams.js';
import { openTrialsKv } from '../../store/buckets.js';
import { readSweepMetrics, readTrialEvents } from '../../store/reader.js';
import { startNats, type NatsServer } from '../servers/nats.js';
import { makeCerts, makeOperator, tlsBlock, type OperatorSetup, type TestCerts } from '../servers/nats-secure.js';
import { killAllChildren } from '../servers/children.js';
import { tinySpec } from './cluster-helpers.js';

let dir: string;
let certs: TestCerts;
let op: OperatorSetup;
let server: NatsServer;
let admin: NatsConnection;
const opened: NatsConnection[] = [];

const SWEEP = 'creds-sweep';
const TRIAL = '00112233445566aa';
const OTHER = '00112233445566bb';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sweep-trial-creds-'));
  certs = makeCerts(dir);
  op = await makeOperator(dir);
  server = await startNats({ scheme: 'tls', config: `${tlsBlock(certs, false)}${op.config}` });
  admin = await connectNats({ servers: [server.url], auth: { creds: op.adminCreds, tls: { ca: certs.ca } } });
  await ensureStreams(admin);
  await (await openTrialsKv(admin)).put('some-sweep.0000000000000000', JSON.stringify({ secret: 'summary' }));
});

after(async () => {
  for (const nc of opened) await nc.close().catch(() => undefined);
  await admin?.close().catch(() => undefined);
  await killAllChildren();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const issuer = (ttlSeconds = 600) => new TrialCredentialIssuer({ signingSeed: op.signingSeed, account: op.account, ttlSeconds });

/** Connects as the trial with a fresh credential (the creds written to a file, as executors do). */
async function asTrial(sweepId: string, trialId: string, ttlSeconds?: number): Promise<NatsConnection> {
  const cred = await issuer(ttlSeconds).issue(sweepId, trialId, 1);
  const file = join(dir, `${trialId}-${Math.random().toString(36).slice(2)}.creds`);
  writeFileSync(file, cred.creds, { mode: 0o600 });
  const nc = await connectNats({ servers: [server.url], auth: { creds: file, inboxPrefix: cred.inboxPrefix, tls: { ca: certs.ca } } });
  opened.push(nc);
  return nc;
}

/** Resolves with the first permission error the connection reports (or undefined after ms). */
function nextPermissionError(nc: NatsConnection, ms = 3000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'error' && /permission/i.test(String(s.error))) {
          clearTimeout(timer);
          resolve(String(s.error));
          return;
        }
      }
    })();
  });
}

test('the user JWT allows exactly the trial\'s two subjects and its reply prefix, and expires', async () => {
  const cred = await issuer(120).issue(SWEEP, TRIAL, 3);
  const claims = decode<{ pub: { allow: string[] }; sub: { allow: string[] }; issuer_account: string }>(cred.jwt);
  const nats = claims.nats as { pub: { allow: string[] }; sub: { allow: string[] }; issuer_account: string };
  assert.deepEqual(nats.pub.allow, [metricsSubject(SWEEP, TRIAL), eventsSubject(SWEEP, TRIAL)]);
  assert.deepEqual(nats.sub.allow, [`_TRIAL_INBOX.${SWEEP}.${TRIAL}.>`]);
  assert.deepEqual(trialPermissions(SWEEP, TRIAL).sub.allow, nats.sub.allow);
  assert.equal(nats.issuer_account, op.account);
  assert.ok(claims.exp! - claims.iat <= 120);
});

test('its own metrics and events are acknowledged and land in the streams', { timeout: 60_000 }, async () => {
  const nc = await asTrial(SWEEP, TRIAL);
  const js = jetstream(nc, { timeout: 5000 });
  const m = await js.publish(metricsSubject(SWEEP, TRIAL), JSON.stringify({ sweepId: SWEEP, trialId: TRIAL, step: 0, trainLoss: 1 }), { msgID: `${SWEEP}:${TRIAL}:0:metric` });
  const e = await js.publish(eventsSubject(SWEEP, TRIAL), JSON.stringify({ sweepId: SWEEP, trialId: TRIAL, event: 'started', step: 0 }), { msgID: `${SWEEP}:${TRIAL}:0:started` });
  assert.equal(m.duplicate, false);
  assert.equal(e.duplicate, false);
  const jsm = await jetstreamManager(admin);
  assert.equal((await jsm.streams.getMessage(m.stream, { seq: m.seq }))?.subject, metricsSubject(SWEEP, TRIAL));
  assert.equal((await jsm.streams.getMessage(e.stream, { seq: e.seq }))?.subject, eventsSubject(SWEEP, TRIAL));
});

test('another trial\'s subject is refused and nothing is stored there', { timeout: 60_000 }, async () => {
  const nc = await asTrial(SWEEP, TRIAL);
  const violation = nextPermissionError(nc);
  const js = jetstream(nc, { timeout: 2000 });
  await assert.rejects(js.publish(metricsSubject(SWEEP, OTHER), JSON.stringify({ sweepId: SWEEP, trialId: OTHER, step: 0, trainLoss: 0 })));
  await assert.rejects(js.publish(eventsSubject('another-sweep', TRIAL), JSON.stringify({ sweepId: 'another-sweep', trialId: TRIAL, event: 'finished' })));
  assert.match((await violation) ?? '', /publish/i);
  assert.equal((await readSweepMetrics(admin, SWEEP)).filter((x) => x.trialId === OTHER).length, 0);
  assert.equal((await readTrialEvents(admin, 'another-sweep', TRIAL)).length, 0);
});

test('subscribing to sweep.> or _INBOX.> is refused', { timeout: 60_000 }, async () => {
  const nc = await asTrial(SWEEP, TRIAL);
  for (const subject of ['sweep.>', `sweep.metrics.${SWEEP}.${OTHER}`, '_INBOX.>']) {
    const sub = nc.subscribe(subject);
    const closed = await Promise.race([sub.closed, new Promise<'open'>((r) => setTimeout(() => r('open'), 3000))]);
    assert.ok(closed instanceof Error && /permission/i.test(closed.message), `${subject}: ${String(closed)}`);
  }
});

test('the JetStream API and the KV buckets are out of reach', { timeout: 60_000 }, async () => {
  const nc = await asTrial(SWEEP, TRIAL);
  const jsm = await jetstreamManager(nc, { timeout: 2000 }).catch((e: unknown) => e);
  if (!(jsm instanceof Error)) {
    await assert.rejects((jsm as Awaited<ReturnType<typeof jetstreamManager>>).streams.info('SWEEP_METRICS'));
    await assert.rejects((jsm as Awaited<ReturnType<typeof jetstreamManager>>).streams.purge('SWEEP_METRICS'));
  }
  await assert.rejects((async () => {
    const kv = await new Kvm(jetstream(nc, { timeout: 2000 })).open('SWEEP_TRIALS');
    await kv.get('some-sweep.0000000000000000');
  })());
  await assert.rejects(new Kvm(jetstream(nc, { timeout: 2000 })).create('STOLEN'));
  // the admin still sees the bucket untouched
  assert.deepEqual((await (await openTrialsKv(admin)).get('some-sweep.0000000000000000'))?.json(), { secret: 'summary' });
});

test('the credential expires: a new connection with it is refused', { timeout: 60_000 }, async () => {
  const cred = await issuer(2).issue(SWEEP, TRIAL, 2);
  const file = join(dir, 'short.creds');
  writeFileSync(file, cred.creds, { mode: 0o600 });
  const auth = { creds: file, inboxPrefix: cred.inboxPrefix, tls: { ca: certs.ca } };
  const nc = await connectNats({ servers: [server.url], auth });
  opened.push(nc);
  await new Promise((r) => setTimeout(r, Math.max(0, cred.expiresAt.getTime() - Date.now()) + 1500));
  await assert.rejects(connectNats({ servers: [server.url], auth, timeoutMs: 3000 }), NatsAuthRefusedError);
});

test('the trainer process, started by the local executor with its own credential, runs the trial', { timeout: 120_000 }, async () => {
  const plan = resolveSpec(tinySpec('creds', { train: { steps: 10, batchSize: 16, evalEvery: 5, logEvalPoints: 0 } })).plans[0];
  const launch: TrialLaunch = { sweepId: 'creds-run', trialId: plan.id, attempt: 1, config: plan.config, nats: { servers: [server.url], auth: { tls: { ca: certs.ca } } } };
  const credential = await issuer().issue(launch.sweepId, launch.trialId, 1);
  const tmpBefore = new Set(readdirSync(tmpdir()).filter((f) => f.startsWith('sweep-trial-')));
  let credsDir: string | undefined;
  const executor = new LocalProcessExecutor({
    onSpawn: () => { credsDir = readdirSync(tmpdir()).filter((f) => f.startsWith('sweep-trial-') && !tmpBefore.has(f)).map((f) => join(tmpdir(), f))[0]; },
  });
  const outcome = await executor.run(launch, { heartbeat: () => undefined, signal: new AbortController().signal, credential });
  assert.equal(outcome.exitCode, 0, JSON.stringify(outcome.failure));
  assert.deepEqual((await readTrialEvents(admin, 'creds-run', plan.id)).map((e) => e.event), ['started', 'finished']);
  assert.deepEqual((await readSweepMetrics(admin, 'creds-run')).map((m) => m.step), [0, 5, 10]);
  // the credential's file was private and is gone with the trainer
  assert.ok(credsDir, 'a private folder held the credential');
  assert.equal(existsSync(credsDir!), false);
  await executor.close();
});
