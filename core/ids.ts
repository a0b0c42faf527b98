// Stable identities: the same resolved config always gets the same trial id, whatever the key
// order or formatting of the spec it came from (RFC 8785 canonical JSON, then SHA-256).
import { createHash } from 'node:crypto';
import canonicalizeModule from 'canonicalize';
import type { AnyTrialConfig } from './config/command-trial.js';

/** Fields of a trial config that say where it runs, not what it computes. */
// The package's typings declare an ES default export, but it is CommonJS: its default import is the function.
const canonicalize = canonicalizeModule as unknown as (value: unknown) => string | undefined;

const NOT_IDENTITY = ['backend'] as const;

const NOT_PLAIN = Symbol('not plain JSON data');
const INDEX_KEY = /^(?:0|[1-9][0-9]*)$/;

/**
 * A copy of plain JSON data with every object's keys in sorted order, so that the engine's
 * JSON.stringify yields the RFC 8785 form (same number and string serialisation) several times
 * faster than the general algorithm; a 10,000-trial grid hashes every config. Anything else
 * (non-finite numbers, toJSON, class instances, array-index-like keys, which engines order
 * first) throws NOT_PLAIN and takes the general path.
 */
function sortedCopy(v: unknown): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw NOT_PLAIN;
    return v;
  }
  if (Array.isArray(v)) return v.map(sortedCopy);
  if (typeof v !== 'object') throw NOT_PLAIN;
  const proto = Object.getPrototypeOf(v);
  if ((proto !== Object.prototype && proto !== null) || 'toJSON' in v) throw NOT_PLAIN;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) {
    const c = k.charCodeAt(0);
    if (c >= 48 && c <= 57 && INDEX_KEY.test(k)) throw NOT_PLAIN;
    const x = (v as Record<string, unknown>)[k];
    if (x !== undefined) out[k] = sortedCopy(x);
  }
  return out;
}

export function canonicalJson(value: unknown): string {
  try {
    return JSON.stringify(sortedCopy(value));
  } catch (err) {
    if (err !== NOT_PLAIN) throw err;
  }
  const s = canonicalize(value);
  if (s === undefined) throw new Error('canonicalJson: value has no JSON form');
  return s;
}

export function shortHash(value: unknown, length = 16): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, length);
}

/** 16 hex chars of SHA-256 over the canonical resolved config (without backend settings). */
export function trialId(config: AnyTrialConfig): string {
  const identity: Record<string, unknown> = { ...config };
  for (const k of NOT_IDENTITY) delete identity[k];
  return shortHash(identity, 16);
}
