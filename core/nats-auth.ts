// How a process authenticates to NATS and secures the connection: the shape of the trial
// protocol's `report.auth` (docs/trainer-protocol.md), also used by the built-in trainer's
// launch (`nats.auth`), the CLI, the orchestrator worker and the aggregator. Secrets are named
// by file wherever possible (`creds`, `nkeySeedFile`, `passFile`, `tokenFile`), so launch files,
// process listings and logs hold paths, not secret values.
import { z } from 'zod';

export interface NatsTls {
  /** CA bundle (PEM) that signed the server's certificate */
  ca?: string;
  /** client certificate (PEM), for servers that verify clients */
  cert?: string;
  /** the client certificate's private key (PEM) */
  key?: string;
}

export interface NatsAuth {
  /** a .creds file (user JWT and nkey seed), decentralized auth */
  creds?: string;
  user?: string;
  /** password value (the protocol's field); `passFile` keeps it out of files that are shown */
  pass?: string;
  passFile?: string;
  token?: string;
  tokenFile?: string;
  /** a file holding an nkey user seed (SU…) */
  nkeySeedFile?: string;
  /** TLS files; present (even empty) means the connection must use TLS */
  tls?: NatsTls;
  /**
   * Reply subjects' prefix: per-trial credentials may subscribe only under it (not `_INBOX.>`,
   * where other clients' replies, consumer deliveries included, would be readable)
   */
  inboxPrefix?: string;
}

const path = z.string().min(1, 'must be a file path');

export const natsTlsSchema = z.strictObject({ ca: path.optional(), cert: path.optional(), key: path.optional() })
  .refine((t) => !t.cert === !t.key, { error: 'cert and key must be given together' });

export const natsAuthSchema = z.strictObject({
  creds: path.optional(),
  user: z.string().min(1).optional(),
  pass: z.string().optional(),
  passFile: path.optional(),
  token: z.string().min(1).optional(),
  tokenFile: path.optional(),
  nkeySeedFile: path.optional(),
  tls: natsTlsSchema.optional(),
  inboxPrefix: z.string().regex(/^[A-Za-z0-9_:.-]+$/, 'must be a subject prefix (letters, digits, _, -, :, .)').optional(),
}).superRefine((a, ctx) => {
  for (const problem of natsAuthProblems(a)) ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path });
});

/** Combinations that cannot work, each with the field it concerns. */
export function natsAuthProblems(a: NatsAuth): { path: string[]; message: string }[] {
  const out: { path: string[]; message: string }[] = [];
  if (a.pass !== undefined && a.passFile) out.push({ path: ['passFile'], message: 'give the password or its file, not both' });
  if (a.token !== undefined && a.tokenFile) out.push({ path: ['tokenFile'], message: 'give the token or its file, not both' });
  if ((a.pass !== undefined || a.passFile) && !a.user) out.push({ path: ['user'], message: 'a password needs a user' });
  const kinds = [a.creds && 'creds', (a.user || a.pass !== undefined || a.passFile) && 'user/password', (a.token || a.tokenFile) && 'token', a.nkeySeedFile && 'nkey']
    .filter(Boolean);
  if (kinds.length > 1) out.push({ path: [], message: `one way to authenticate at a time, got ${kinds.join(' and ')}` });
  return out;
}

/** Whether any credential (as opposed to TLS only) is set. */
export function hasCredentials(a: NatsAuth | undefined): boolean {
  return !!a && !!(a.creds || a.user || a.token || a.tokenFile || a.nkeySeedFile);
}
