// The /metrics endpoint's web configuration file, in the format of the Prometheus exporters
// (the exporter-toolkit's --web.config.file): `tls_server_config` with cert_file / key_file
// and optionally client certificates (client_ca_file, client_auth_type), relative paths meaning
// the config file's folder; `basic_auth_users` maps user names to bcrypt hashes (basic-auth.ts).
// A hash that is not bcrypt is refused at start-up rather than serving /metrics without the
// protection the file asks for.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import { parse } from 'yaml';
import { z } from 'zod';
import { ConfigError, formatIssues } from '../../core/config/errors.js';
import { errorMessage } from '../../core/error-message.js';
import { BCRYPT_HASH, createBasicAuth, type BasicAuth } from './basic-auth.js';

const CLIENT_AUTH = ['NoClientCert', 'RequestClientCert', 'RequireAnyClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert'] as const;
const TLS_VERSIONS = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;
const version = z.enum(Object.keys(TLS_VERSIONS) as [keyof typeof TLS_VERSIONS, ...(keyof typeof TLS_VERSIONS)[]]);

export const webConfigSchema = z.strictObject({
  tls_server_config: z.strictObject({
    cert_file: z.string().min(1),
    key_file: z.string().min(1),
    client_auth_type: z.enum(CLIENT_AUTH).optional(),
    client_ca_file: z.string().min(1).optional(),
    min_version: version.optional(),
    max_version: version.optional(),
  }).refine((t) => !t.client_auth_type?.includes('Verify') || !!t.client_ca_file, { error: 'client_ca_file is required to verify client certificates', path: ['client_ca_file'] })
    .optional(),
  http_server_config: z.strictObject({ headers: z.record(z.string(), z.string()).optional() }).optional(),
  basic_auth_users: z.record(z.string(), z.string().regex(BCRYPT_HASH, { error: 'not a bcrypt hash ($2a$, $2b$ or $2y$, cost 04-31, 53 characters of salt and hash)' }))
    .superRefine((users, ctx) => {
      // a Basic header splits at the first colon: such a user could never sign in
      for (const name of Object.keys(users)) if (name.includes(':')) ctx.addIssue({ code: 'custom', path: [name], message: 'a user name cannot hold a colon' });
    })
    .optional(),
});

export interface WebConfig {
  /** options for https.createServer; absent: plain HTTP */
  tls?: TlsOptions & SecureContextOptions;
  /** headers added to every response */
  headers: Record<string, string>;
  /** VerifyClientCertIfGiven: a client certificate that is sent must verify (checked per request) */
  verifyIfGiven: boolean;
  /** basic_auth_users: every request must carry one of them (401 otherwise) */
  basicAuth?: BasicAuth;
}

/** Reads and checks a web config file; a ConfigError names every problem (never a key's content). */
export function readWebConfig(file: string): WebConfig {
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8')) ?? {};
  } catch (err) {
    throw new ConfigError([`(file): ${(err as NodeJS.ErrnoException).code ?? errorMessage(err).split('\n')[0]}`], file);
  }
  const parsed = webConfigSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error.issues), file);
  const c = parsed.data;
  const out: WebConfig = { headers: c.http_server_config?.headers ?? {}, verifyIfGiven: c.tls_server_config?.client_auth_type === 'VerifyClientCertIfGiven' };
  // an empty map asks for no authentication, as in the exporters
  if (c.basic_auth_users && Object.keys(c.basic_auth_users).length) out.basicAuth = createBasicAuth(c.basic_auth_users);
  const t = c.tls_server_config;
  if (t) {
    const base = dirname(file);
    const read = (key: string, path: string) => {
      try {
        return readFileSync(resolve(base, path));
      } catch (err) {
        throw new ConfigError([`tls_server_config.${key}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`], file);
      }
    };
    const auth = t.client_auth_type ?? 'NoClientCert';
    out.tls = {
      cert: read('cert_file', t.cert_file),
      key: read('key_file', t.key_file),
      ...(t.client_ca_file ? { ca: read('client_ca_file', t.client_ca_file) } : {}),
      requestCert: auth !== 'NoClientCert',
      // the handshake itself refuses a missing or unverified certificate only where one is required
      rejectUnauthorized: auth === 'RequireAndVerifyClientCert',
      ...(t.min_version ? { minVersion: TLS_VERSIONS[t.min_version] } : { minVersion: 'TLSv1.2' }),
      ...(t.max_version ? { maxVersion: TLS_VERSIONS[t.max_version] } : {}),
    };
    if (auth === 'RequireAnyClientCert') {
      // Node cannot require a certificate without verifying it: refuse rather than change the meaning
      throw new ConfigError(['tls_server_config.client_auth_type: RequireAnyClientCert is not supported; use RequireAndVerifyClientCert with client_ca_file'], file);
    }
  }
  return out;
}
