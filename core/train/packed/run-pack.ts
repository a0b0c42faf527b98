// A pack of trials run by one process: the entry point the embedded runner, the trainer
// process and the cluster activities use for packed execution. Each member reports through its
// own context exactly as `runTrial` does (a `started` event, metric messages, one terminal
// event) and gets its own result, in member order.
//
// This version trains the members one after another; the vectorised trainer replaces the loop
// for members that share a pack key, with the same events and results.
import type { TrialConfig } from '../../config/trial.js';
import type { TrialResult } from '../../outcome.js';
import { runTrial, type TrialContext } from '../run-trial.js';

export interface PackMember {
  config: TrialConfig;
  ctx: TrialContext;
}

export async function runPack(members: readonly PackMember[]): Promise<TrialResult[]> {
  const results: TrialResult[] = [];
  for (const m of members) results.push(await runTrial(m.config, m.ctx));
  return results;
}
