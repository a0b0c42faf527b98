// A sweep spec's identity: 16 hex chars of SHA-256 over the canonical JSON of the spec document
// as submitted (key order and formatting do not matter). A sweep id is bound to the hash of the
// spec it was first planned with; reusing the id for another spec is refused, not rerun.
import { shortHash } from './ids.js';

export function specHash(spec: unknown): string {
  return shortHash(spec, 16);
}
