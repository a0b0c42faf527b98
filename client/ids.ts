// Sweep ids of the cluster mode. A sweep id is the id of its Temporal workflow; submitted sweeps
// get `<name>-<UTC time>-<random>`, scheduled ones `<schedule>-<RFC 3339 time>` (Temporal's
// naming), hence ':' is allowed.
import { randomBytes } from 'node:crypto';
import { SWEEP_ID_PATTERN } from '../store/buckets.js';

export { SWEEP_ID_PATTERN };

export function newSweepId(name: string, now: Date = new Date()): string {
  const t = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z').toLowerCase();
  return `${name}-${t}-${randomBytes(2).toString('hex')}`;
}

export function checkSweepId(id: string): string {
  if (!SWEEP_ID_PATTERN.test(id)) throw new Error(`sweep id "${id}": only letters, digits, '_', '-' and ':' are allowed`);
  return id;
}

export const SCHEDULE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
