// NATS settings without a server: the auth schema of launches refuses combinations that cannot
// work (every problem by path), the built-in trainer's launch carries auth as file paths and
// takes the pod's SWEEP_NATS_CREDS / SWEEP_NATS_TLS_CA, per-trial JWTs hold exactly the trial's
// permissions and expiry, a Job with a credential carries it only in its Secret, and web
// configs are checked key by key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAccount, decode } from '@nats-io/jwt';
import { natsAuthSchema } from '../../core/nats-auth.js';
import { formatIssues, ConfigError } from '../../core/config/errors.js';
import { kubernetesExecutionSchema } from '../../core/config/execution.js';
import { trialConfigSchema } from '../../core/config/trial.js';
import { trialId } from '../../core/ids.js';
import { TrialCredentialIssuer } from '../../activities/trial-credentials.js';
import { NATS_SECRET_DIR, buildTrialJob, natsSecretName } from '../../activities/kubernetes/job-spec.js';
import { ANNOTATIONS } from '../../activities/kubernetes/names.js';
import { parseLaunch } from '../../workers/trainer-launch.js';
import { readWebConfig } from '../../workers/telemetry/web-config.js';

const seed = () => new TextDecoder().decode(createAccount().getSeed());

test('the auth schema refuses what cannot work, naming each field', () => {
  const bad = natsAuthSchema.safeParse({ creds: '/c', token: 't', pass: 'p', passFile: '/p', tls: { cert: '/x' }, extra: 1 });
  assert.equal(bad.success, false);
  const lines = formatIssues(bad.error!.issues);
  assert.ok(lines.some((l) => /^extra: /.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /^tls: cert and key must be given together/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /^passFile: give the password or its file, not both/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /^user: a password needs a user/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /one way to authenticate at a time, got creds and user\/password and token/.test(l)), lines.join('\n'));
  assert.equal(natsAuthSchema.safeParse({ creds: '/c', inboxPrefix: '_TRIAL_INBOX.s.t', tls: { ca: '/ca' } }).success, true);
  assert.equal(natsAuthSchema.safeParse({ inboxPrefix: 'a b' }).success, false);
});

test('the trainer launch keeps auth paths; the pod environment overrides creds and CA', () => {
  const config = trialConfigSchema.parse({ task: { kind: 'teacher-mlp' }, optimizer: { kind: 'sgd', lr: 0.1 } });
  const raw = { sweepId: 's', trialId: trialId(config), config, nats: { servers: ['tls://n:4222'], auth: { creds: '/a.creds', tls: { ca: '/ca' } } } };
  assert.deepEqual(parseLaunch(raw, 'x').nats.auth, { creds: '/a.creds', tls: { ca: '/ca' } });
  assert.deepEqual(parseLaunch(raw, 'x', { natsCreds: '/pod.creds', natsTlsCa: '/pod-ca' }).nats.auth, { creds: '/pod.creds', tls: { ca: '/pod-ca' } });
  assert.throws(() => parseLaunch({ ...raw, nats: { servers: ['n'], auth: { password: 'x' } } }, 'x'), (e: unknown) => e instanceof ConfigError && /nats\.auth/.test(e.message));
});

test('a trial JWT: the trial\'s subjects only, its reply prefix, the expiry; signed by the signing key for the account', async () => {
  const signer = createAccount();
  const account = createAccount().getPublicKey();
  const now = 1_700_000_000_000;
  const issuer = new TrialCredentialIssuer({ signingSeed: new TextDecoder().decode(signer.getSeed()), account, ttlSeconds: 600, now: () => now });
  const c = await issuer.issue('sw', '0123456789abcdef', 2);
  const claims = decode<Record<string, unknown>>(c.jwt);
  const nats = claims.nats as { pub: { allow: string[] }; sub: { allow: string[] }; issuer_account: string };
  assert.equal(claims.iss, signer.getPublicKey());
  assert.equal(nats.issuer_account, account);
  assert.deepEqual(nats.pub.allow, ['sweep.metrics.sw.0123456789abcdef', 'sweep.events.sw.0123456789abcdef']);
  assert.deepEqual(nats.sub.allow, ['_TRIAL_INBOX.sw.0123456789abcdef.>']);
  assert.equal(claims.exp, now / 1000 + 600);
  assert.equal(c.expiresAt.getTime(), now + 600_000);
  assert.equal(c.inboxPrefix, '_TRIAL_INBOX.sw.0123456789abcdef');
  // a new user per attempt
  assert.notEqual((await issuer.issue('sw', '0123456789abcdef', 2)).user, c.user);
  // the account's own key: no issuer_account
  const own = new TrialCredentialIssuer({ signingSeed: seed() });
  assert.equal((decode<Record<string, unknown>>((await own.issue('sw', '0123456789abcdef', 1)).jwt).nats as { issuer_account?: string }).issuer_account, undefined);
  assert.throws(() => new TrialCredentialIssuer({ signingSeed: seed(), account: 'not-a-key' }), /account public key/);
});

test('a Job with a credential: the Secret holds it, the launch and the pod name only paths', async () => {
  const config = trialConfigSchema.parse({ task: { kind: 'teacher-mlp' }, optimizer: { kind: 'sgd', lr: 0.1 } });
  const cred = await new TrialCredentialIssuer({ signingSeed: seed() }).issue('s', trialId(config), 1);
  const launch = { sweepId: 's', trialId: trialId(config), attempt: 1, config, nats: { servers: ['tls://n:4222'], auth: { creds: '/worker.creds' } } };
  const { job, secret, name } = buildTrialJob(launch, kubernetesExecutionSchema.parse({}), [], { creds: cred.creds, inboxPrefix: cred.inboxPrefix, ca: 'PEM' });
  assert.equal(secret?.metadata?.name, natsSecretName(name));
  assert.deepEqual(secret?.stringData, { 'trial.creds': cred.creds, 'ca.crt': 'PEM' });
  const pod = job.spec!.template;
  const podLaunch = JSON.parse(pod.metadata!.annotations![ANNOTATIONS.launch]);
  assert.deepEqual(podLaunch.nats.auth, { creds: `${NATS_SECRET_DIR}/trial.creds`, inboxPrefix: cred.inboxPrefix, tls: { ca: `${NATS_SECRET_DIR}/ca.crt` } });
  assert.ok(!JSON.stringify(job).includes(cred.jwt), 'the JWT is not in the Job');
  assert.ok(!JSON.stringify(job).includes('/worker.creds'), 'the worker\'s own paths do not reach the pod');
  const env = Object.fromEntries(pod.spec!.containers[0].env!.map((e) => [e.name, e.value]));
  assert.equal(env.SWEEP_NATS_CREDS, `${NATS_SECRET_DIR}/trial.creds`);
  assert.ok(pod.spec!.volumes!.some((v) => v.secret?.secretName === natsSecretName(name)));
  // without a credential the pod gets no NATS auth at all
  const plain = buildTrialJob(launch, kubernetesExecutionSchema.parse({}));
  assert.equal(plain.secret, undefined);
  assert.equal(JSON.parse(plain.job.spec!.template.metadata!.annotations![ANNOTATIONS.launch]).nats.auth, undefined);
});

test('web configs: TLS files relative to the file, every bad key named, basic auth refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sweep-webcfg-'));
  try {
    writeFileSync(join(dir, 'c.pem'), 'CERT');
    writeFileSync(join(dir, 'k.pem'), 'KEY');
    const file = (name: string, text: string) => { writeFileSync(join(dir, name), text); return join(dir, name); };
    const ok = readWebConfig(file('ok.yml', 'tls_server_config:\n  cert_file: c.pem\n  key_file: k.pem\n  min_version: TLS13\n'));
    assert.equal(String(ok.tls?.cert), 'CERT');
    assert.equal(ok.tls?.minVersion, 'TLSv1.3');
    assert.equal(ok.tls?.requestCert, false);
    assert.deepEqual(readWebConfig(file('empty.yml', '')), { headers: {}, verifyIfGiven: false });
    const problems = (text: string) => {
      try { readWebConfig(file('bad.yml', text)); } catch (e) { if (e instanceof ConfigError) return e.problems; throw e; }
      return [];
    };
    assert.deepEqual(problems('tls_server_config:\n  cert_file: c.pem\n  key_file: k.pem\n  client_auth_type: RequireAndVerifyClientCert\n'),
      ['tls_server_config.client_ca_file: client_ca_file is required to verify client certificates']);
    assert.match(problems('tls_config: {}\n')[0], /^tls_config: unknown key/);
    // basic auth: a hash that is not bcrypt is refused, naming the user (never quoting the hash)
    assert.deepEqual(problems('basic_auth_users:\n  a: $2y$10$x\n'), ['basic_auth_users.a: not a bcrypt hash ($2a$, $2b$ or $2y$, cost 04-31, 53 characters of salt and hash)']);
    assert.deepEqual(problems('basic_auth_users:\n  "a:b": $2y$04$abcdefghijklmnopqrstuu5Mq7o1lPSqXWq6xCk1C0a5I7rbcmWl6\n'), ['basic_auth_users.a:b: a user name cannot hold a colon']);
    assert.ok(readWebConfig(file('basic.yml', 'basic_auth_users:\n  a: $2y$04$abcdefghijklmnopqrstuu5Mq7o1lPSqXWq6xCk1C0a5I7rbcmWl6\n')).basicAuth);
    assert.equal(readWebConfig(file('none.yml', 'basic_auth_users: {}\n')).basicAuth, undefined, 'no users: no authentication');
    assert.match(problems('tls_server_config:\n  cert_file: c.pem\n  key_file: k.pem\n  client_auth_type: RequireAnyClientCert\n  client_ca_file: c.pem\n')[0], /RequireAnyClientCert is not supported/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
