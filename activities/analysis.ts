// The analyzeSweep activity: gathers the sweep's results from NATS into an output folder,
// runs the same analysis as `sweep analyze` on it, and stores the folder: summary.json in the
// SWEEP_SUMMARIES bucket, every file in the SWEEP_REPORTS object store (for `sweep report`).
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { heartbeat } from '@temporalio/activity';
import { analyzeFolder } from '../core/analysis/folder.js';
import { OUTPUT_FILES } from '../core/output/folder.js';
import type { AnalysisInfo } from '../workflows/types.js';
import { openReportsStore, openSummariesKv, reportObject, sweepKey } from '../store/buckets.js';
import { collectSweep, writeSweepFolder } from '../store/sweep-data.js';
import { resolveForCluster } from './planning.js';
import { writePreflightInto } from '../store/preflight.js';
import { PREFLIGHT_FILE } from '../core/preflight/run.js';
import { callHook, type TelemetryHooks } from './telemetry.js';

/** Writes the sweep's folder from NATS into `dir`; what the analysis and the result need of it. */
async function collectInto(nc: NatsConnection, sweepId: string, dir: string) {
  const data = await collectSweep(nc, sweepId, resolveForCluster);
  const output = await writeSweepFolder(dir, data);
  await output.close();
  return { planned: data.plans.length, cancelled: data.cancelled, records: data.records.length, metrics: data.metrics.length };
}

export function analysisActivities(deps: { nc: NatsConnection; hooks?: TelemetryHooks }) {
  return {
    async analyzeSweep(input: { sweepId: string; spec: unknown }): Promise<AnalysisInfo> {
      const beat = setInterval(() => heartbeat({ phase: 'analyzing' }), 10_000);
      const dir = mkdtempSync(join(tmpdir(), 'sweep-analysis-'));
      try {
        heartbeat({ phase: 'collecting' });
        // Only the counts outlive the folder's writing: the collected events, plans and records
        // are garbage before the analysis reads the folder back, so the two never share the heap.
        const counts = await collectInto(deps.nc, input.sweepId, dir);
        await writePreflightInto(deps.nc, input.sweepId, dir);
        heartbeat({ phase: 'analyzing' });
        const { summary } = await analyzeFolder(dir, { planned: counts.planned, sweepId: input.sweepId, cancelled: counts.cancelled });
        const store = await openReportsStore(deps.nc);
        const files: string[] = [];
        for (const file of [...Object.values(OUTPUT_FILES), PREFLIGHT_FILE]) {
          const path = join(dir, file);
          if (!existsSync(path)) continue;
          await store.putBlob({ name: reportObject(input.sweepId, file) }, readFileSync(path));
          files.push(file);
        }
        const kv = await openSummariesKv(deps.nc);
        const summaryKey = sweepKey(input.sweepId);
        await kv.put(summaryKey, JSON.stringify(summary));
        callHook(deps.hooks, 'sweepAnalyzed', input.sweepId, summary);
        return { summaryKey, files, records: counts.records, metrics: counts.metrics };
      } finally {
        clearInterval(beat);
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
