// NATS credentials and TLS of the CLI, the orchestrator worker and the aggregator: flags first,
// then SWEEP_NATS_* environment variables. Secrets come from files (a Kubernetes Secret mounted
// as files, or a file only its owner reads); SWEEP_NATS_PASSWORD and SWEEP_NATS_TOKEN also
// take the value itself, for a Secret exposed as an environment variable. No flag takes a
// secret value: a command line is visible to every user of the machine.
import type { NatsAuth } from '../core/nats-auth.js';

export const NATS_AUTH_ENV = {
  creds: 'SWEEP_NATS_CREDS',
  user: 'SWEEP_NATS_USER',
  pass: 'SWEEP_NATS_PASSWORD',
  passFile: 'SWEEP_NATS_PASSWORD_FILE',
  token: 'SWEEP_NATS_TOKEN',
  tokenFile: 'SWEEP_NATS_TOKEN_FILE',
  nkeySeedFile: 'SWEEP_NATS_NKEY_SEED_FILE',
  tlsCa: 'SWEEP_NATS_TLS_CA',
  tlsCert: 'SWEEP_NATS_TLS_CERT',
  tlsKey: 'SWEEP_NATS_TLS_KEY',
} as const;

/** The flags' values (commander's camelCase names of --nats-creds, --nats-user, …). */
export interface NatsAuthFlags {
  natsCreds?: string;
  natsUser?: string;
  natsPasswordFile?: string;
  natsTokenFile?: string;
  natsNkeySeedFile?: string;
  natsTlsCa?: string;
  natsTlsCert?: string;
  natsTlsKey?: string;
}

/** The `--nats-*` credential flags: [flag, description], shared by every command that connects. */
export const NATS_AUTH_FLAGS: ReadonlyArray<readonly [string, string]> = [
  ['--nats-creds <file>', `NATS .creds file (env ${NATS_AUTH_ENV.creds})`],
  ['--nats-user <user>', `NATS user (env ${NATS_AUTH_ENV.user})`],
  ['--nats-password-file <file>', `file holding the NATS user's password (env ${NATS_AUTH_ENV.passFile} or ${NATS_AUTH_ENV.pass})`],
  ['--nats-token-file <file>', `file holding a NATS token (env ${NATS_AUTH_ENV.tokenFile} or ${NATS_AUTH_ENV.token})`],
  ['--nats-nkey-seed-file <file>', `file holding a NATS nkey user seed (env ${NATS_AUTH_ENV.nkeySeedFile})`],
  ['--nats-tls-ca <file>', `CA certificate of the NATS servers; turns TLS on (env ${NATS_AUTH_ENV.tlsCa})`],
  ['--nats-tls-cert <file>', `client certificate for NATS (env ${NATS_AUTH_ENV.tlsCert})`],
  ['--nats-tls-key <file>', `key of the client certificate (env ${NATS_AUTH_ENV.tlsKey})`],
];

/**
 * Credentials and TLS from flags, else the environment; undefined when nothing is set. A flag
 * replaces the whole credential of the environment (a user flag does not pick up a token).
 */
export function resolveNatsAuth(flags: NatsAuthFlags = {}, env: NodeJS.ProcessEnv = process.env): NatsAuth | undefined {
  const e = (k: keyof typeof NATS_AUTH_ENV) => (env[NATS_AUTH_ENV[k]] || undefined);
  const flagCred = flags.natsCreds || flags.natsUser || flags.natsPasswordFile || flags.natsTokenFile || flags.natsNkeySeedFile;
  const auth: NatsAuth = flagCred
    ? { creds: flags.natsCreds, user: flags.natsUser, passFile: flags.natsPasswordFile, tokenFile: flags.natsTokenFile, nkeySeedFile: flags.natsNkeySeedFile }
    : { creds: e('creds'), user: e('user'), pass: e('pass'), passFile: e('passFile'), token: e('token'), tokenFile: e('tokenFile'), nkeySeedFile: e('nkeySeedFile') };
  const ca = flags.natsTlsCa ?? e('tlsCa');
  const cert = flags.natsTlsCert ?? e('tlsCert');
  const key = flags.natsTlsKey ?? e('tlsKey');
  if (ca || cert || key) auth.tls = { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
  const out = Object.fromEntries(Object.entries(auth).filter(([, v]) => v !== undefined)) as NatsAuth;
  return Object.keys(out).length ? out : undefined;
}
