// Sweep ids of the cluster mode. A sweep id is the id of its Temporal workflow; submitted sweeps
// get `<name>-<UTC time>-<random>`, scheduled ones `<schedule>-<RFC 3339 time>` (Temporal's
// naming), hence ':' is allowed.
import { randomBytes } from 'node:crypto';

export { SWEEP_ID_PATTERN, checkSweepId } from '../core/sweep-id.js';

export function newSweepId(name: string, now: Date = new Date()): string {
  const t = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z').toLowerCase();
  return `${name}-${t}-${randomBytes(2).toString('hex')}`;
}

export const SCHEDULE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
