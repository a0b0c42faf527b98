// `sweep report`: the output folder of a cluster sweep, as an embedded run writes it. A sweep
// whose analysis finished has its folder stored in SWEEP_REPORTS; otherwise (still running,
// cancelled, failed at its preflight) the folder is built now from what NATS holds, with the
// same analysis code and the preflight's record.
import { mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { OUTPUT_FILES, SweepOutput } from '../core/output/folder.js';
import { writeFileAtomic } from '../core/output/jsonl.js';
import { PREFLIGHT_FILE } from '../core/preflight/run.js';
import { FolderLock } from '../core/output/lock.js';
import { openReportsStore, reportObject } from '../store/buckets.js';
import { analyzeFolder } from '../core/analysis/folder.js';
import { SweepNotFoundError, collectSweep, writeSweepFolder } from '../store/sweep-data.js';
import { PlanStore } from '../store/plans.js';
import { writePreflightInto } from '../store/preflight.js';
import { resolveStoredSpec } from '../core/stored-spec.js';

export interface ReportResult {
  dir: string;
  /** the stored final analysis (true) or one built from partial results (false) */
  complete: boolean;
  files: string[];
  trials: number;
}

export async function downloadReport(nc: NatsConnection, sweepId: string, dir: string): Promise<ReportResult> {
  const plans = await PlanStore.open(nc);
  const spec = await plans.spec(sweepId);
  if (spec === undefined) throw new SweepNotFoundError(`sweep ${sweepId}: no results stored in NATS (unknown id, or it has not started planning yet)`);
  const name = resolveStoredSpec(spec).spec.name;
  // One writer per folder, like `sweep run`; held until every file is in place.
  const lock = FolderLock.acquire(dir, 'sweep report', { create: true });
  try {
    // Refuses a folder that holds another sweep, like `sweep run --out`.
    const { output } = await SweepOutput.open(dir, { name, sweepId });
    await output.close();
    return await writeReport(nc, sweepId, dir, lock);
  } finally {
    lock.release();
  }
}

async function writeReport(nc: NatsConnection, sweepId: string, dir: string, lock: FolderLock): Promise<ReportResult> {
  const store = await openReportsStore(nc);
  const stored = await store.getBlob(reportObject(sweepId, OUTPUT_FILES.summary));
  if (stored) {
    const files: string[] = [];
    let trials = 0;
    // preflight.json: the coord check's record, stored by the analysis when the sweep has one
    for (const file of [...Object.values(OUTPUT_FILES), PREFLIGHT_FILE]) {
      const data = await store.getBlob(reportObject(sweepId, file));
      if (!data) continue;
      await writeFileAtomic(join(dir, file), data);
      files.push(file);
      if (file === OUTPUT_FILES.trials) trials = new TextDecoder().decode(data).split('\n').filter(Boolean).length;
    }
    return { dir, complete: true, files, trials };
  }
  // Build in a scratch folder inside the target, then move the files in.
  const tmp = mkdtempSync(join(dir, '.report-'));
  try {
    const data = await collectSweep(nc, sweepId, resolveStoredSpec);
    const out = await writeSweepFolder(tmp, data);
    await out.close();
    // the coord check ran before the first trial: its record (a failing one too) is in the summary
    await writePreflightInto(nc, sweepId, tmp);
    // the scratch folder is private to this process: the lock on `dir` covers it
    await analyzeFolder(tmp, { planned: data.plans.length, lock, sweepId, cancelled: data.cancelled });
    const files = readdirSync(tmp).filter((f) => ([...Object.values(OUTPUT_FILES), PREFLIGHT_FILE] as string[]).includes(f));
    for (const f of files) renameSync(join(tmp, f), join(dir, f));
    return { dir, complete: false, files, trials: data.records.length };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
