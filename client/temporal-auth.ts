// How the cluster mode authenticates to Temporal: TLS with the server's CA, a client certificate
// and key (mTLS, self-hosted), a server name override, and an API key (Temporal Cloud). Flags
// name files; the SWEEP_TEMPORAL_* environment holds the value or, with the _FILE suffix, a
// file (Kubernetes mounts Secrets as files). Every file is read and checked before anything
// connects, so a missing file or a certificate without its key is one line, exit code 2. The key
// material lives in TemporalCredentials, which never prints it.
import { readFileSync } from 'node:fs';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { inspect } from 'node:util';
import { z } from 'zod';
import type { TLSConfig } from '@temporalio/client';
import { ConfigError } from '../core/config/errors.js';
import { parseEnv, flagSetting } from '../core/env.js';

/** Flags of the CLI and the orchestrator worker (files, never secret values on a command line). */
export interface TemporalAuthInput {
  /** PEM file of the CA that signed the server's certificate (default: the system's CAs) */
  tlsCa?: string;
  /** PEM file of the client certificate (mTLS); needs tlsKey */
  tlsCert?: string;
  /** PEM file of the client certificate's private key */
  tlsKey?: string;
  /** name the server's certificate is checked against instead of the address's host */
  tlsServerName?: string;
  /** TLS with the system's CAs even when nothing else asks for it */
  tls?: boolean;
  /** file holding the API key (sent as "authorization: Bearer <key>"; turns TLS on) */
  apiKeyFile?: string;
}

export const TEMPORAL_AUTH_ENV = {
  tls: 'SWEEP_TEMPORAL_TLS',
  ca: 'SWEEP_TEMPORAL_TLS_CA',
  cert: 'SWEEP_TEMPORAL_TLS_CERT',
  key: 'SWEEP_TEMPORAL_TLS_KEY',
  serverName: 'SWEEP_TEMPORAL_TLS_SERVER_NAME',
  apiKey: 'SWEEP_TEMPORAL_API_KEY',
} as const;

const FILE = '_FILE';

/** A file that exists and can be read (its content is checked when it is loaded). */
const readableFile = z.string().superRefine((path, ctx) => {
  const problem = unreadable(path);
  if (problem) ctx.addIssue({ code: 'custom', message: `cannot read ${JSON.stringify(path)}: ${problem}` });
});

/** The Temporal part of each process's environment schema (workers/process-env.ts). */
export const temporalAuthEnv = {
  [TEMPORAL_AUTH_ENV.tls]: flagSetting.optional(),
  [TEMPORAL_AUTH_ENV.ca]: z.string().optional(),
  [TEMPORAL_AUTH_ENV.ca + FILE]: readableFile.optional(),
  [TEMPORAL_AUTH_ENV.cert]: z.string().optional(),
  [TEMPORAL_AUTH_ENV.cert + FILE]: readableFile.optional(),
  [TEMPORAL_AUTH_ENV.key]: z.string().optional(),
  [TEMPORAL_AUTH_ENV.key + FILE]: readableFile.optional(),
  [TEMPORAL_AUTH_ENV.serverName]: z.string().optional(),
  [TEMPORAL_AUTH_ENV.apiKey]: z.string().optional(),
  [TEMPORAL_AUTH_ENV.apiKey + FILE]: readableFile.optional(),
};

const temporalAuthEnvSchema = z.object(temporalAuthEnv).superRefine((env, ctx) => {
  for (const name of [TEMPORAL_AUTH_ENV.ca, TEMPORAL_AUTH_ENV.cert, TEMPORAL_AUTH_ENV.key, TEMPORAL_AUTH_ENV.apiKey]) {
    if (env[name] !== undefined && env[name + FILE] !== undefined) {
      ctx.addIssue({ code: 'custom', path: [name], message: `set either ${name} or ${name}${FILE}, not both` });
    }
  }
});

/** What a node:fs error on reading `path` means, by its code; undefined when it is readable. */
function unreadable(path: string): string | undefined {
  try {
    readFileSync(path);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'no such file';
    if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
    if (code === 'EISDIR') return 'is a folder';
    return code ?? 'unreadable';
  }
}

/** A value named by where it came from: a flag's file, an environment variable or its _FILE. */
interface Sourced { text: Buffer; from: string }

/**
 * The TLS settings and API key of a Temporal connection, loaded and checked. Printing it (a log
 * line, JSON, util.inspect) shows where each part came from, never a key.
 */
export class TemporalCredentials {
  readonly #tls: TLSConfig | undefined;
  readonly #apiKey: string | undefined;
  readonly #summary: string;

  constructor(tls: TLSConfig | undefined, apiKey: string | undefined, summary: string) {
    this.#tls = tls;
    this.#apiKey = apiKey;
    this.#summary = summary;
  }

  /** No TLS, no API key. */
  static readonly plaintext = new TemporalCredentials(undefined, undefined, 'plaintext');

  /** The `tls` and `apiKey` options of Connection.connect and NativeConnection.connect. */
  connectionOptions(): { tls?: TLSConfig; apiKey?: string } {
    return { ...(this.#tls ? { tls: this.#tls } : {}), ...(this.#apiKey !== undefined ? { apiKey: this.#apiKey } : {}) };
  }

  get usesTls(): boolean { return this.#tls !== undefined || this.#apiKey !== undefined; }

  /** e.g. "TLS, client certificate, server name temporal.internal, API key" */
  toString(): string { return this.#summary; }
  toJSON(): string { return this.#summary; }
  [inspect.custom](): string { return `TemporalCredentials(${this.#summary})`; }
}

/** Flags first, then the environment; reads every file named. ConfigError/EnvError when one is bad. */
export function resolveTemporalCredentials(input: TemporalAuthInput = {}, env: NodeJS.ProcessEnv = process.env): TemporalCredentials {
  const e = parseEnv(temporalAuthEnvSchema, env);
  const problems: string[] = [];
  const pick = (flag: string, path: string | undefined, name: string): Sourced | undefined => {
    if (path !== undefined) {
      const problem = unreadable(path);
      if (problem) { problems.push(`${flag}: cannot read ${JSON.stringify(path)}: ${problem}`); return undefined; }
      return { text: readFileSync(path), from: flag };
    }
    const file = e[name + FILE];
    if (typeof file === 'string') return { text: readFileSync(file), from: name + FILE };
    const value = e[name];
    return typeof value === 'string' ? { text: Buffer.from(value), from: name } : undefined;
  };
  const ca = pick('--temporal-tls-ca', input.tlsCa, TEMPORAL_AUTH_ENV.ca);
  const cert = pick('--temporal-tls-cert', input.tlsCert, TEMPORAL_AUTH_ENV.cert);
  const key = pick('--temporal-tls-key', input.tlsKey, TEMPORAL_AUTH_ENV.key);
  const apiKeySource = pick('--temporal-api-key-file', input.apiKeyFile, TEMPORAL_AUTH_ENV.apiKey);
  const serverName = input.tlsServerName ?? (e[TEMPORAL_AUTH_ENV.serverName] as string | undefined);
  const forceTls = input.tls ?? (e[TEMPORAL_AUTH_ENV.tls] as boolean | undefined) ?? false;

  if (ca) certificate(ca, problems);
  const clientCert = cert ? certificate(cert, problems) : undefined;
  if (cert && !key) problems.push(`${cert.from}: a client certificate needs its private key (--temporal-tls-key or ${TEMPORAL_AUTH_ENV.key}${FILE})`);
  if (key && !cert) problems.push(`${key.from}: a private key needs its client certificate (--temporal-tls-cert or ${TEMPORAL_AUTH_ENV.cert}${FILE})`);
  if (key && clientCert) {
    try {
      if (!clientCert.checkPrivateKey(createPrivateKey(key.text))) problems.push(`${key.from}: not the private key of the certificate in ${cert!.from}`);
    } catch {
      problems.push(`${key.from}: not a PEM private key`);
    }
  }
  const apiKey = apiKeySource?.text.toString('utf8').trim();
  if (apiKeySource && !apiKey) problems.push(`${apiKeySource.from}: the API key is empty`);
  if (serverName !== undefined && serverName.trim() === '') problems.push(`${input.tlsServerName !== undefined ? '--temporal-tls-server-name' : TEMPORAL_AUTH_ENV.serverName}: must not be empty`);
  if (problems.length) throw new ConfigError(problems, 'Temporal connection settings');

  const wantsTls = forceTls || !!ca || !!cert || !!serverName || !!apiKey;
  if (!wantsTls) return TemporalCredentials.plaintext;
  const tls: TLSConfig = {
    ...(serverName ? { serverNameOverride: serverName } : {}),
    ...(ca ? { serverRootCACertificate: ca.text } : {}),
    ...(cert && key ? { clientCertPair: { crt: cert.text, key: key.text } } : {}),
  };
  const summary = ['TLS', ca ? `CA from ${ca.from}` : 'system CAs', cert ? `client certificate from ${cert.from}` : undefined,
    serverName ? `server name ${serverName}` : undefined, apiKey ? `API key from ${apiKeySource!.from}` : undefined].filter(Boolean).join(', ');
  return new TemporalCredentials(tls, apiKey, summary);
}

function certificate(s: Sourced, problems: string[]): X509Certificate | undefined {
  try {
    return new X509Certificate(s.text);
  } catch {
    problems.push(`${s.from}: not a PEM certificate`);
    return undefined;
  }
}
