// Connecting to NATS: a short first-connect timeout with a one-line error naming the server,
// then unlimited reconnects (a restarted nats-server must not end a trial or the aggregator).
// Credentials and TLS files (core/nats-auth.ts) are read here, once per connection, so a
// secret never passes through a setting that may be printed.
import { readFileSync } from 'node:fs';
import {
  AuthorizationError, UserAuthenticationExpiredError, connect, credsAuthenticator, nkeyAuthenticator, tokenAuthenticator,
  usernamePasswordAuthenticator, type Authenticator, type NatsConnection, type NodeConnectionOptions,
} from '@nats-io/transport-node';
import { ConfigError } from '../core/config/errors.js';
import { errorMessage, firstLine } from '../core/error-message.js';
import { natsAuthProblems, type NatsAuth } from '../core/nats-auth.js';

export interface NatsConnectOptions {
  servers: string[];
  /** connection name shown in the server's monitoring */
  name?: string;
  /** first-connect timeout */
  timeoutMs?: number;
  /** credentials and TLS */
  auth?: NatsAuth;
}

export class NatsUnreachableError extends Error {
  constructor(servers: string[], cause: unknown) {
    super(`cannot reach NATS at ${servers.join(', ')}: ${firstLine(cause)}`);
    this.name = 'NatsUnreachableError';
  }
}

/** The server refused the credentials (wrong, expired or missing); retrying will not help. */
export class NatsAuthRefusedError extends Error {
  constructor(servers: string[], cause: unknown) {
    super(`NATS at ${servers.join(', ')} refused the credentials: ${firstLine(cause)}`);
    this.name = 'NatsAuthRefusedError';
  }
}

export async function connectNats(opts: NatsConnectOptions): Promise<NatsConnection> {
  if (!opts.servers.length) throw new NatsUnreachableError(opts.servers, 'no server given (set --nats or SWEEP_NATS_URL)');
  const secured = natsAuthOptions(opts.auth);
  try {
    return await connect({
      servers: opts.servers,
      name: opts.name,
      timeout: opts.timeoutMs ?? 5000,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      reconnectJitter: 100,
      pingInterval: 10_000,
      ...secured,
    });
  } catch (err) {
    if (err instanceof AuthorizationError || err instanceof UserAuthenticationExpiredError) throw new NatsAuthRefusedError(opts.servers, err);
    throw new NatsUnreachableError(opts.servers, err);
  }
}

/**
 * The connect options for `auth`: an authenticator and TLS. A file that cannot be read is a
 * ConfigError naming the setting and the path (never its content).
 */
export function natsAuthOptions(auth: NatsAuth | undefined): Pick<NodeConnectionOptions, 'authenticator' | 'tls' | 'inboxPrefix'> {
  if (!auth) return {};
  const bad = natsAuthProblems(auth);
  if (bad.length) throw new ConfigError(bad.map((p) => `${p.path.length ? p.path.join('.') : 'auth'}: ${p.message}`), 'NATS settings');
  const out: Pick<NodeConnectionOptions, 'authenticator' | 'tls' | 'inboxPrefix'> = {};
  if (auth.inboxPrefix) out.inboxPrefix = auth.inboxPrefix;
  let authenticator: Authenticator | undefined;
  if (auth.creds) authenticator = credsAuthenticator(readSecret(auth.creds, 'creds'));
  else if (auth.nkeySeedFile) authenticator = nkeyAuthenticator(readSecret(auth.nkeySeedFile, 'nkeySeedFile', true));
  else if (auth.token || auth.tokenFile) authenticator = tokenAuthenticator(auth.token ?? readText(auth.tokenFile!, 'tokenFile'));
  else if (auth.user) {
    const pass = auth.pass ?? (auth.passFile ? readText(auth.passFile, 'passFile') : undefined);
    authenticator = usernamePasswordAuthenticator(auth.user, pass);
  }
  if (authenticator) out.authenticator = authenticator;
  if (auth.tls) {
    const tls: NonNullable<NodeConnectionOptions['tls']> = {};
    // read now, so that a missing file is reported before connecting, naming the setting
    if (auth.tls.ca) tls.ca = readText(auth.tls.ca, 'tls.ca', false);
    if (auth.tls.cert) tls.cert = readText(auth.tls.cert, 'tls.cert', false);
    if (auth.tls.key) tls.key = readText(auth.tls.key, 'tls.key', false);
    out.tls = tls;
  }
  return out;
}

function readSecret(file: string, setting: string, trim = false): Uint8Array {
  try {
    const bytes = readFileSync(file);
    return trim ? new TextEncoder().encode(bytes.toString('utf8').trim()) : bytes;
  } catch (err) {
    throw new ConfigError([`${setting}: cannot read ${file}: ${errorCode(err)}`], 'NATS settings');
  }
}

/** A password or token file holds the value, maybe with a final newline (as `echo` writes it). */
function readText(file: string, setting: string, trim = true): string {
  const text = Buffer.from(readSecret(file, setting)).toString('utf8');
  return trim ? text.replace(/\r?\n$/, '') : text;
}

function errorCode(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code ?? firstLine(errorMessage(err));
}

/** Comma- or space-separated server list (flags and SWEEP_NATS_URL). */
export function parseServers(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).filter(Boolean);
}
