// Resolving a stored spec on the client side (same rules as the workers: confirmed at submit).
import { resolveSpec, type ResolvedSweep } from '../core/config/spec.js';

export function resolveForClient(spec: unknown): ResolvedSweep {
  return resolveSpec(spec, { yes: true, source: 'stored spec' });
}
