// analyzeSweep: every summary of summary.json from a sweep's trials and metric messages. Each
// analysis runs when the spec asks for it, or (no `analysis` section) when the sweep has what
// it needs; whatever it cannot do is said in `notes` / `missing`, never thrown.
import type { MetricMessage } from '../messages.js';
import { OUTCOMES, type TrialRecord } from '../outcome.js';
import { analyzeAlignment } from './alignment.js';
import type { AnalysisContext } from './context.js';
import { analyzeForgetting } from './forgetting.js';
import { analyzeLrTransfer } from './lr-transfer.js';
import { analyzePhaseDiagram } from './phase-diagram.js';
import { analyzeScalingLaw } from './scaling-laws.js';
import { analysisSchema, type AnalysisConfig, type AnalysisConfigInput } from './schema.js';
import { collectSeries, type SeriesMap } from './series.js';
import { analyzeSharpness } from './sharpness.js';
import { SUMMARY_VERSION, type Summary } from './summary.js';
import { ConfigError, formatIssues } from '../config/errors.js';
import { builtinConfig } from '../config/command-trial.js';

export interface AnalyzeOptions {
  /** trials the sweep plans in total (to report how many are missing) */
  planned?: number;
  sweepId?: string;
  /** trials cancelled before they finished (they have no record): counted in summary.trials */
  cancelled?: number;
}

/** Last record of each trial id wins (a resumed or retried sweep appends). */
export function latestTrials(trials: readonly TrialRecord[]): TrialRecord[] {
  const byId = new Map<string, TrialRecord>();
  for (const t of trials) {
    if (!t || typeof t.id !== 'string') continue;
    byId.delete(t.id);
    byId.set(t.id, t);
  }
  return [...byId.values()];
}

function axesOf(trials: readonly TrialRecord[]): string[] {
  const seen = new Set<string>();
  for (const t of trials) for (const k of Object.keys(t.axes ?? {})) seen.add(k);
  return [...seen];
}

export function parseAnalysis(analysis: AnalysisConfigInput | AnalysisConfig | undefined): AnalysisConfig {
  const r = analysisSchema.safeParse(analysis ?? {});
  if (!r.success) throw new ConfigError(formatIssues(r.error.issues, ['analysis']), 'analysis');
  return r.data;
}

/** What to run when the spec has no `analysis` section: what the sweep's axes and results allow. */
function defaults(trials: readonly TrialRecord[], axes: readonly string[], series: SeriesMap): AnalysisConfig {
  const has = (a: string) => axes.includes(a);
  const a: AnalysisConfigInput = {};
  if (has('model.width') && has('optimizer.lr')) a.lrTransfer = {};
  if (has('model.width') && [...series.values()].some((s) => s.sharpnessScaled.some(Number.isFinite))) a.sharpness = {};
  if (has('model.gamma') && has('optimizer.lr')) a.phaseDiagram = {};
  if (trials.some((t) => t.continual)) a.forgetting = {};
  if (trials.some((t) => t.giantStep)) a.alignment = {};
  const laws: NonNullable<AnalysisConfigInput['scalingLaws']> = [];
  if (has('model.width') && !has('optimizer.lr') && !has('model.gamma')) laws.push({ axis: 'model.width' });
  if (trials.some((t) => builtinConfig(t.config)?.task?.kind === 'circle-power-law')) {
    laws.push({ axis: 'step' });
    if (has('model.width')) laws.push({ axis: 'compute' });
  }
  if (laws.length) a.scalingLaws = laws;
  return parseAnalysis(a);
}

export async function analyzeSweep(
  trials: TrialRecord[],
  metrics: AsyncIterable<MetricMessage> | Iterable<MetricMessage>,
  analysis?: AnalysisConfigInput | AnalysisConfig,
  axes?: string[],
  options: AnalyzeOptions = {},
): Promise<Summary> {
  return analyzeSeries(trials, await collectSeries(metrics), analysis, axes, options);
}

/** analyzeSweep on already collected series (the folder reader collects them once for the report too). */
export function analyzeSeries(
  trialsIn: TrialRecord[],
  series: SeriesMap,
  analysis?: AnalysisConfigInput | AnalysisConfig,
  axesIn?: string[],
  options: AnalyzeOptions = {},
): Summary {
  const trials = latestTrials(trialsIn);
  const axes = axesIn ?? axesOf(trials);
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Summary['trials'];
  counts.total = trials.length;
  for (const t of trials) if (t.outcome in counts) counts[t.outcome]++;
  counts.cancelled += options.cancelled ?? 0;
  counts.total += options.cancelled ?? 0;
  const summary: Summary = {
    version: SUMMARY_VERSION,
    sweepId: options.sweepId ?? trials[0]?.sweepId ?? null,
    lrConvention: [...new Set(trials.map((t) => t.lrConvention).filter((c): c is string => typeof c === 'string' && c.length > 0))],
    axes,
    trials: counts,
    lrTransfer: [], scalingLaws: [], sharpness: [], phaseDiagram: [], forgetting: [], alignment: [],
    notes: [],
    missing: [],
  };
  const ctx: AnalysisContext = { trials, series, axes, notes: summary.notes, missing: summary.missing };
  if (!trials.length) {
    summary.missing.push('no finished trials yet: trials.jsonl is empty');
    return summary;
  }
  const unfinished = (options.planned ?? 0) - trials.length - (options.cancelled ?? 0);
  if (options.planned !== undefined && unfinished > 0) {
    summary.missing.push(`${unfinished} of ${options.planned} planned trials have not finished: the summaries cover the rest`);
  }
  if (counts.failed) summary.missing.push(`${counts.failed} trial(s) failed: their points are missing from every analysis`);
  if (counts.cancelled) summary.missing.push(`${counts.cancelled} trial(s) were cancelled: their points are missing`);
  const noSeries = trials.filter((t) => t.outcome === 'succeeded' && !series.has(t.id)).length;
  if (noSeries) summary.missing.push(`${noSeries} finished trial(s) have no metrics in metrics.jsonl: curves and time fits leave them out`);
  if (!summary.lrConvention.length) summary.notes.push('the trials record no learning-rate convention');

  const cfg = analysis ? parseAnalysis(analysis) : defaults(trials, axes, series);
  const guard = (name: string, run: () => void) => {
    try {
      run();
    } catch (e) {
      summary.notes.push(`${name}: failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  if (cfg.lrTransfer) guard('lrTransfer', () => { summary.lrTransfer = analyzeLrTransfer(ctx, cfg.lrTransfer!); });
  for (const law of cfg.scalingLaws ?? []) guard(`scalingLaws[${law.axis}]`, () => { summary.scalingLaws.push(...analyzeScalingLaw(ctx, law)); });
  if (cfg.sharpness) guard('sharpness', () => { summary.sharpness = analyzeSharpness(ctx, cfg.sharpness!); });
  if (cfg.phaseDiagram) guard('phaseDiagram', () => { summary.phaseDiagram = analyzePhaseDiagram(ctx, cfg.phaseDiagram!); });
  if (cfg.forgetting) guard('forgetting', () => { summary.forgetting = analyzeForgetting(ctx, cfg.forgetting!); });
  if (cfg.alignment) guard('alignment', () => { summary.alignment = analyzeAlignment(ctx, cfg.alignment!); });
  return summary;
}
