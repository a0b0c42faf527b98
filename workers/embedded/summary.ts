// summary.json at the end of an embedded run.
import type { SweepOutput } from '../../core/output/folder.js';

/** Trial counts by outcome, written atomically. */
export async function writeSweepSummary(output: SweepOutput): Promise<void> {
  await output.writeJson('summary', { trials: output.counts() });
}
