// Per-trial time series gathered from metric messages (metrics.jsonl or the bus), deduplicated
// by step so a retried trainer's repeated messages count once.
import type { MetricMessage } from '../messages.js';

export const SERIES_FIELDS = ['trainLoss', 'testLoss', 'accuracy', 'sharpness', 'sharpnessScaled'] as const;
export type SeriesField = (typeof SERIES_FIELDS)[number];

/** One trial's evaluation points, ascending in step; NaN where a field was not measured. */
export interface TrialSeries {
  step: number[];
  trainLoss: number[];
  testLoss: number[];
  accuracy: number[];
  sharpness: number[];
  sharpnessScaled: number[];
}

export type SeriesMap = Map<string, TrialSeries>;

type Point = Record<SeriesField, number>;

/** Collect series from an (async) iterable of metric messages; later messages for a step win. */
export async function collectSeries(metrics: AsyncIterable<MetricMessage> | Iterable<MetricMessage>): Promise<SeriesMap> {
  const points = new Map<string, Map<number, Point>>();
  for await (const m of metrics as AsyncIterable<MetricMessage>) {
    if (!m || typeof m.trialId !== 'string' || typeof m.step !== 'number') continue;
    let byStep = points.get(m.trialId);
    if (!byStep) points.set(m.trialId, (byStep = new Map()));
    const p = {} as Point;
    for (const f of SERIES_FIELDS) p[f] = typeof m[f] === 'number' ? (m[f] as number) : NaN;
    byStep.set(m.step, p);
  }
  const out: SeriesMap = new Map();
  for (const [id, byStep] of points) {
    const steps = [...byStep.keys()].sort((a, b) => a - b);
    const s: TrialSeries = { step: steps, trainLoss: [], testLoss: [], accuracy: [], sharpness: [], sharpnessScaled: [] };
    for (const st of steps) {
      const p = byStep.get(st)!;
      for (const f of SERIES_FIELDS) s[f].push(p[f]);
    }
    out.set(id, s);
  }
  return out;
}

/** Whether any point of any series has a finite value of `field`. */
export function hasField(series: SeriesMap, ids: Iterable<string>, field: SeriesField): boolean {
  for (const id of ids) {
    const s = series.get(id);
    if (s && s[field].some(Number.isFinite)) return true;
  }
  return false;
}
