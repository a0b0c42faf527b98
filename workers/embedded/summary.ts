// summary.json at the end of an embedded run: the sweep's analyses (core/analysis), computed
// from the folder's trials.jsonl and metrics.jsonl (streamed), as `sweep analyze DIR` does.
import { analyzeSweep } from '../../core/analysis/analyze.js';
import type { SweepSpec } from '../../core/config/spec.js';
import type { MetricMessage } from '../../core/messages.js';
import type { TrialRecord } from '../../core/outcome.js';
import type { SweepOutput } from '../../core/output/folder.js';
import { readJsonl } from '../../core/output/jsonl.js';

export async function writeSweepSummary(output: SweepOutput, spec: SweepSpec, planned: number): Promise<string[]> {
  const trials: TrialRecord[] = [];
  for await (const { value } of readJsonl(output.path('trials'))) trials.push(value as TrialRecord);
  async function* metrics(): AsyncGenerator<MetricMessage> {
    for await (const { value } of readJsonl(output.path('metrics'))) yield value as MetricMessage;
  }
  const summary = await analyzeSweep(trials, metrics(), spec.analysis, spec.grid.axes.map((a) => a.path), { planned, sweepId: spec.name });
  await output.writeJson('summary', summary);
  return summary.notes;
}
