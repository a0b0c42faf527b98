// HTTP basic auth of the /metrics endpoint against a web config's `basic_auth_users`
// (user name → bcrypt hash), as the Prometheus exporters check it. bcrypt is slow on purpose, so
// a header that verified is remembered for a short while, keyed by a SHA-256 of the header:
// a scrape every few seconds costs one bcrypt per TTL, and no password is kept in memory.
import { createHash, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { LRUCache } from 'lru-cache';

/** `$2a$`/`$2b$`/`$2y$`, a two-digit cost 04-31, 22 characters of salt and 31 of hash. */
export const BCRYPT_HASH = /^\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$/;

/** How long a verified header is trusted without another bcrypt. */
export const VERIFIED_TTL_MS = 60_000;

export interface Credentials {
  user: string;
  password: string;
}

/**
 * The user and password of an `Authorization: Basic …` header (scheme case-insensitive,
 * strict base64, split at the first colon); undefined for anything else.
 */
export function parseBasicAuth(header: string | undefined): Credentials | undefined {
  if (!header) return undefined;
  const m = /^basic +([A-Za-z0-9+/]*={0,2}) *$/i.exec(header);
  if (!m || m[1].length % 4 !== 0) return undefined;
  const decoded = Buffer.from(m[1], 'base64');
  // a base64 string that does not round-trip carries stray bits: not a well-formed header
  if (decoded.toString('base64') !== m[1]) return undefined;
  const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let plain: string;
  try {
    plain = text.decode(decoded);
  } catch {
    return undefined;
  }
  const colon = plain.indexOf(':');
  if (colon < 0) return undefined;
  return { user: plain.slice(0, colon), password: plain.slice(colon + 1) };
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export interface BasicAuth {
  /** Whether the request's Authorization header names a configured user with the right password. */
  check(header: string | undefined): Promise<boolean>;
}

export function createBasicAuth(users: Record<string, string>, opts: { ttlMs?: number } = {}): BasicAuth {
  const entries = Object.entries(users).map(([name, hash]) => ({ digest: sha256(name), hash }));
  if (!entries.length) throw new Error('basic auth: no users');
  // verified against (and failed) for an unknown user, so it costs as much as a wrong password
  const decoy = entries[0].hash;
  const verified = new LRUCache<string, true>({ max: 256, ttl: opts.ttlMs ?? VERIFIED_TTL_MS });
  const inFlight = new Map<string, Promise<boolean>>();

  /** The user's hash, found comparing every configured name in constant time (no early exit). */
  const hashOf = (user: string): string | undefined => {
    const digest = sha256(user);
    let found: string | undefined;
    for (const e of entries) if (timingSafeEqual(e.digest, digest) && found === undefined) found = e.hash;
    return found;
  };

  return {
    async check(header) {
      const creds = parseBasicAuth(header);
      if (!creds) return false;
      const key = createHash('sha256').update(header!, 'utf8').digest('base64');
      if (verified.get(key)) return true;
      let pending = inFlight.get(key);
      if (!pending) {
        const hash = hashOf(creds.user);
        pending = bcrypt.compare(creds.password, hash ?? decoy)
          .then((ok) => ok && hash !== undefined, () => false)
          .finally(() => inFlight.delete(key));
        inFlight.set(key, pending);
      }
      const ok = await pending;
      if (ok) verified.set(key, true);
      return ok;
    },
  };
}
