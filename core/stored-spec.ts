// A sweep's spec as stored with it (the plan store, the workflow input), resolved again by the
// workers and the client with the same rules: the user already confirmed a large sweep when it
// was submitted, so the size check is not repeated.
import { resolveSpec, type ResolvedSweep } from './config/spec.js';

export function resolveStoredSpec(spec: unknown, source = 'stored spec'): ResolvedSweep {
  return resolveSpec(spec, { yes: true, source });
}
