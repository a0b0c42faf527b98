// The pack workflow: trials that train together in one process (execution.pack), run by the
// runTrialPack activity with Temporal's retries; an attempt reruns only the members without an
// outcome (the activity reads what earlier attempts stored). It returns one TrialDone per
// member, in member order, so the sweep counts trials, not packs. Like a trial workflow, it
// reports by signal (one trialDone per member) when its sweep asked for that at a hand-over.
// Sweeps started since the 'pack-activities' patch run packs as activities of the sweep itself
// (workflows/sweep.ts); this workflow runs the packs of sweeps that started packs as children.
import { getExternalWorkflowHandle, setHandler } from '@temporalio/workflow';
import { reportBySignal, trialDoneSignal } from './definitions.js';
import { type PackInput, type TrialDone } from './types.js';
import { runPack } from './pack-run.js';

export async function packWorkflow(input: PackInput): Promise<TrialDone[]> {
  let viaSignal = false;
  setHandler(reportBySignal, () => { viaSignal = true; });
  const { sweepId, members } = input;

  const done = await runPack({ sweepId, members, execution: input.execution, ...(input.options ? { options: input.options } : {}) }, async () => {
    if (viaSignal) for (const m of members) await report(input, { trialId: m.trialId, outcome: 'cancelled', step: 0, attempt: 0 });
  });
  if (viaSignal) for (const d of done) await report(input, d);
  return done;
}

async function report(input: PackInput, done: TrialDone): Promise<void> {
  try {
    await getExternalWorkflowHandle(input.parentId).signal(trialDoneSignal, done);
  } catch {
    // The sweep is gone (terminated): nobody to tell.
  }
}
