// Synthetic sweeps with known answers for the telemetry tests, analysed by the real analyses
// (core/analysis), so the exported science gauges are checked against what summary.json holds.
//  - transfer grid: width × lr × seed × parametrization, final loss quadratic in log lr around
//    η*(N) = 0.03·(N/64)^slope (slope per parametrization);
//  - scaling grid: width × seed at one lr, test loss E + A·N^(−α), with step-scaled sharpness
//    trajectories that differ slightly across widths (super-consistency spread).
import { analyzeSweep } from '../../core/analysis/analyze.js';
import type { Summary } from '../../core/analysis/summary.js';
import type { TrialConfig } from '../../core/config/trial.js';
import type { MetricMessage } from '../../core/messages.js';
import type { TrialRecord } from '../../core/outcome.js';

export const TRANSFER_WIDTHS = [64, 128, 256, 512];
export const SCALING_WIDTHS = [64, 128, 256, 512, 1024];
export const LRS = Array.from({ length: 10 }, (_, k) => 10 ** (-3 + k / 3));

export interface SyntheticSweep {
  sweepId: string;
  /** d log η* / d log width per parametrization */
  slopes: Record<string, number>;
  /** α of the width scaling law of the test loss */
  exponent: number;
}

/** η* of the synthetic loss surface at width N. */
export const etaStar = (slope: number, width: number) => 0.03 * (width / 64) ** slope;

function record(sweepId: string, id: string, axes: Record<string, unknown>, final: { trainLoss: number; testLoss: number }): TrialRecord {
  return {
    id, trialId: id, sweepId, outcome: 'succeeded', step: 100, final: { step: 100, ...final },
    backend: 'synthetic', lrConvention: 'synthetic', durationMs: 1000,
    config: { task: { kind: 'teacher-mlp' } } as unknown as TrialConfig, axes, attempt: 1, finishedAt: '2030-01-01T00:00:00.000Z',
  };
}

export function transferTrials(s: SyntheticSweep): TrialRecord[] {
  const out: TrialRecord[] = [];
  for (const [param, slope] of Object.entries(s.slopes)) {
    for (const width of TRANSFER_WIDTHS) {
      for (const lr of LRS) {
        for (const seed of [0, 1]) {
          const x = Math.log(lr / etaStar(slope, width));
          const base = 0.1 + 2 * width ** -0.5;
          const loss = base * (1 + 0.3 * x * x) * (1 + 0.002 * (seed - 0.5));
          out.push(record(s.sweepId, `t-${param}-${width}-${lr.toPrecision(3)}-${seed}`,
            { 'model.parametrization': param, 'model.width': width, 'optimizer.lr': lr, seed }, { trainLoss: loss, testLoss: loss * 1.1 }));
        }
      }
    }
  }
  return out;
}

export function scalingTrials(s: SyntheticSweep): { records: TrialRecord[]; metrics: MetricMessage[] } {
  const records: TrialRecord[] = [];
  const metrics: MetricMessage[] = [];
  for (const width of SCALING_WIDTHS) {
    for (const seed of [0, 1, 2]) {
      const id = `s-${width}-${seed}`;
      const testLoss = (0.05 + 3 * width ** -s.exponent) * (1 + 0.003 * (seed - 1));
      records.push(record(s.sweepId, id, { 'model.width': width, seed }, { trainLoss: testLoss * 0.9, testLoss }));
      for (let step = 0; step <= 100; step += 20) {
        const sharpnessScaled = (1.2 + 0.6 * (1 - Math.exp(-step / 30))) * (1 + 0.5 / width);
        metrics.push({ sweepId: s.sweepId, trialId: id, step, trainLoss: testLoss * (1 + 1 / (step + 1)), sharpness: sharpnessScaled * 10, sharpnessScaled });
      }
    }
  }
  return { records, metrics };
}

/** summary.json of a synthetic sweep: lrTransfer of the transfer grid, scaling law and sharpness of the scaling grid. */
export async function syntheticSummary(s: SyntheticSweep): Promise<Summary> {
  const transfer = await analyzeSweep(transferTrials(s), [], { lrTransfer: { bootstrap: 20 } }, undefined, { sweepId: s.sweepId });
  const sc = scalingTrials(s);
  const scaling = await analyzeSweep(sc.records, sc.metrics, { scalingLaws: [{ axis: 'model.width', bootstrap: 20 }], sharpness: {} }, undefined, { sweepId: s.sweepId });
  return { ...transfer, scalingLaws: scaling.scalingLaws, sharpness: scaling.sharpness, notes: [...transfer.notes, ...scaling.notes] };
}
