// Stable identities: the same resolved config always gets the same trial id, whatever the key
// order or formatting of the spec it came from (RFC 8785 canonical JSON, then SHA-256).
import { createHash } from 'node:crypto';
import canonicalizeModule from 'canonicalize';
import type { TrialConfig } from './config/trial.js';

/** Fields of a trial config that say where it runs, not what it computes. */
// The package's typings declare an ES default export, but it is CommonJS: its default import is the function.
const canonicalize = canonicalizeModule as unknown as (value: unknown) => string | undefined;

const NOT_IDENTITY = ['backend'] as const;

export function canonicalJson(value: unknown): string {
  const s = canonicalize(value);
  if (s === undefined) throw new Error('canonicalJson: value has no JSON form');
  return s;
}

export function shortHash(value: unknown, length = 16): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, length);
}

/** 16 hex chars of SHA-256 over the canonical resolved config (without backend settings). */
export function trialId(config: TrialConfig): string {
  const identity: Record<string, unknown> = { ...config };
  for (const k of NOT_IDENTITY) delete identity[k];
  return shortHash(identity, 16);
}
