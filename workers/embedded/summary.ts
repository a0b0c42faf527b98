// summary.json and report.html at the end of an embedded run: the same code path as
// `sweep analyze DIR`, reading the folder's trials.jsonl, metrics.jsonl and spec.json.
import { analyzeFolder, type AnalyzeFolderResult } from '../../core/analysis/folder.js';
import type { SweepOutput } from '../../core/output/folder.js';
import type { FolderLock } from '../../core/output/lock.js';

/** `lock`: the runner's own lock on the folder (the analysis must not take it a second time). */
export async function writeSweepSummary(output: SweepOutput, planned: number, lock: FolderLock, notes: string[] = []): Promise<AnalyzeFolderResult> {
  return analyzeFolder(output.dir, { planned, lock, notes });
}
