// A sweep's spec as stored with it (the plan store, the workflow input), resolved again by the
// workers and the client with the same rules: the user already confirmed a large sweep when it
// was submitted, so the size check is not repeated. Command-trainer sweeps resolve too: the
// cluster executors start the user's command (docs/trainer-protocol.md).
import { resolveSpec, type AnyResolvedSweep } from './config/spec.js';

export function resolveStoredSpec(spec: unknown, source = 'stored spec'): AnyResolvedSweep {
  return resolveSpec(spec, { yes: true, source, commandTrainer: true });
}
