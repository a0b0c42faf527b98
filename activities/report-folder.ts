// Analysis of an output folder, the code path `sweep analyze DIR` takes: reads trials.jsonl,
// metrics.jsonl and spec.json, writes summary.json (and report.html).
import { join } from 'node:path';
import { analyzeSweep } from '../core/analysis/analyze.js';
import type { Summary } from '../core/analysis/summary.js';
import type { MetricMessage } from '../core/messages.js';
import type { TrialRecord } from '../core/outcome.js';
import { OUTPUT_FILES } from '../core/output/folder.js';
import { readJsonl, writeFileAtomic } from '../core/output/jsonl.js';
import { readFileSync } from 'node:fs';

export async function analyzeOutputFolder(dir: string, opts: { sweepId: string; planned: number }): Promise<Summary> {
  const trials: TrialRecord[] = [];
  for await (const { value } of readJsonl(join(dir, OUTPUT_FILES.trials))) trials.push(value as TrialRecord);
  const spec = JSON.parse(readFileSync(join(dir, OUTPUT_FILES.spec), 'utf8')) as { analysis?: unknown; axes?: { path: string }[] };
  async function* metrics(): AsyncGenerator<MetricMessage> {
    for await (const { value } of readJsonl(join(dir, OUTPUT_FILES.metrics))) yield value as MetricMessage;
  }
  const analysis = spec.analysis && Object.keys(spec.analysis as object).length ? spec.analysis as Parameters<typeof analyzeSweep>[2] : undefined;
  const summary = await analyzeSweep(trials, metrics(), analysis, spec.axes?.map((a) => a.path), opts);
  await writeFileAtomic(join(dir, OUTPUT_FILES.summary), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}
