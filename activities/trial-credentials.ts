// Least-privilege NATS credentials for one trial attempt (decentralized auth). The worker holds
// an account signing key; each attempt gets a fresh user nkey and a short-lived user JWT that
// may publish only the trial's two subjects and subscribe only under its own reply prefix (the
// JetStream publish acknowledgements arrive there). Nothing else: no stream or consumer API, no
// KV or object store, no other trial's subjects, no `_INBOX.>` (where other clients' replies,
// consumer deliveries included, could be read).
import { createUser, encodeUser, fmtCreds, fromSeed, type KeyPair } from '@nats-io/jwt';
import { eventsSubject, metricsSubject } from '../core/messages.js';

export interface TrialCredentialOptions {
  /** account signing key seed (SA…), or the account's own seed */
  signingSeed: string;
  /** the account's public key (A…); needed when signingSeed is a signing key, not the account's own */
  account?: string;
  /** lifetime of a credential (default 1 day; an attempt outliving it cannot reconnect) */
  ttlSeconds?: number;
  /** clock (tests) */
  now?: () => number;
}

export interface TrialCredential {
  /** .creds file text: the user JWT and the user's nkey seed */
  creds: string;
  /** the user's public key (U…), the JWT's subject */
  user: string;
  /** the JWT itself (secret: with the seed, it is what the server checks) */
  jwt: string;
  expiresAt: Date;
  /** reply subjects' prefix the credential may subscribe under */
  inboxPrefix: string;
}

export const DEFAULT_TRIAL_CREDENTIAL_TTL_S = 24 * 3600;

/** The reply prefix of a trial's credential: per sweep and trial, outside `_INBOX.`. */
export function trialInboxPrefix(sweepId: string, trialId: string): string {
  return `_TRIAL_INBOX.${sweepId}.${trialId}`;
}

/**
 * What a trial attempt's credential allows, as the user JWT's permissions; a pack's credential
 * (`others`: the other members) may publish every member's two subjects.
 */
export function trialPermissions(sweepId: string, trialId: string, others: readonly string[] = []) {
  return {
    pub: { allow: [trialId, ...others].flatMap((id) => [metricsSubject(sweepId, id), eventsSubject(sweepId, id)]) },
    sub: { allow: [`${trialInboxPrefix(sweepId, trialId)}.>`] },
  };
}

export class TrialCredentialIssuer {
  private readonly signer: KeyPair;
  private readonly account: string;
  private readonly ttlSeconds: number;
  private readonly now: () => number;

  constructor(opts: TrialCredentialOptions) {
    this.signer = fromSeed(new TextEncoder().encode(opts.signingSeed.trim()));
    const own = this.signer.getPublicKey();
    if (!own.startsWith('A')) throw new Error('the NATS signing key must be an account key (seed SA…)');
    if (opts.account !== undefined && !/^A[A-Z2-7]{55}$/.test(opts.account)) throw new Error('the NATS account must be an account public key (A…, 56 characters)');
    this.account = opts.account ?? own;
    this.ttlSeconds = opts.ttlSeconds ?? DEFAULT_TRIAL_CREDENTIAL_TTL_S;
    this.now = opts.now ?? Date.now;
  }

  /** `others`: the other members of a pack run by the same process */
  async issue(sweepId: string, trialId: string, attempt: number, others: readonly string[] = []): Promise<TrialCredential> {
    const user = createUser();
    const exp = Math.floor(this.now() / 1000) + this.ttlSeconds;
    const signedByAccount = this.account === this.signer.getPublicKey();
    const jwt = await encodeUser(
      `trial-${sweepId}-${trialId}-${attempt}`, user,
      signedByAccount ? this.signer : this.account,
      { ...trialPermissions(sweepId, trialId, others), bearer_token: false },
      { exp, ...(signedByAccount ? {} : { signer: this.signer }) },
    );
    const creds = new TextDecoder().decode(fmtCreds(jwt, user));
    return { creds, jwt, user: user.getPublicKey(), expiresAt: new Date(exp * 1000), inboxPrefix: trialInboxPrefix(sweepId, trialId) };
  }
}
