// The shape of summary.json (README "Output folder"; docs/science.md §4): every fitted summary of a sweep.
// Numbers that could not be computed are null (JSON has no NaN); `notes` and `missing` say why.
import type { Outcome } from '../outcome.js';
import type { StabilityRule } from '../stability.js';
import type { GroupLabel } from './groups.js';
import type { IntervalMethod } from './seed-interval.js';
import type { CoordCheckEntry } from '../preflight/verdict.js';

export const SUMMARY_VERSION = 1;

export type Ci = [number, number];

export interface FitQuality {
  /** R² of log loss in log space */
  r2Log: number | null;
  /** root mean square log residual over the degrees of freedom (≈ relative error) */
  rmsLog: number | null;
  /** points fitted */
  n: number;
  /** robust loss used */
  loss: string;
}

/** How an interval over seeds was computed (core/analysis/seed-interval.ts). */
export interface BootstrapInfo {
  /** jackknife-t: leave-one-seed-out jackknife with a Student-t quantile (2–9 seeds);
   *  bootstrap-percentile: expanded percentile bootstrap over seeds (10 or more); none: no
   *  interval (one seed, or the statistic failed; `ci` is null and a note says why) */
  method: IntervalMethod;
  /** statistics recomputed on subsets of seeds (leave-one-out fits or bootstrap replicates) */
  replicates: number;
  /** of those, the ones that gave a finite estimate */
  usable: number;
  level: number;
  /** seeds behind the estimate */
  seeds: number;
}

export interface OptimalLr {
  width: number;
  lr: number;
  loss: number;
  /** quadratic: refined between grid points; grid / grid-edge: the grid point itself */
  method: string;
  bracket: [number, number];
  seeds: number;
}

export interface LrCurvePoint {
  lr: number;
  /** seed-mean metric; null when a seed diverged or none finished */
  loss: number | null;
  seeds: number;
  diverged: number;
}

export interface LrTransferSummary {
  group: GroupLabel;
  over: string;
  lr: string;
  metric: string;
  optimalLr: OptimalLr[];
  curves: { width: number; points: LrCurvePoint[] }[];
  /** d log η* / d log width (least squares over widths) */
  slope: number | null;
  ci: Ci | null;
  bootstrap: BootstrapInfo;
  /** (L_widest(η*_narrowest) − L_widest(η*_widest)) / L_widest(η*_widest) */
  transferGap: number | null;
  verdict: 'transfers' | 'does-not-transfer' | 'inconclusive' | 'not-enough-data';
  /** |slope| threshold of the verdict */
  threshold: number;
  verdictReason: string;
}

export interface TheoryPrediction {
  source: string;
  /** task source exponent β and capacity α */
  beta: number;
  capacity: number;
  /** predicted loss exponent in the lazy and rich regimes */
  lazy: number;
  rich: number;
  /** which prediction the fitted exponent is closer to */
  closerTo: 'lazy' | 'rich' | 'both';
}

export interface ScalingLawSummary {
  group: GroupLabel;
  axis: string;
  metric: string;
  exponent: number | null;
  ci: Ci | null;
  /** fitted irreducible loss E */
  offset: number | null;
  amplitude: number | null;
  quality: FitQuality | null;
  bootstrap: BootstrapInfo;
  points: { x: number; y: number; seeds: number }[];
  /** fitted curve with its pointwise bootstrap band, for plotting */
  curve: { x: number; y: number; lo: number | null; hi: number | null }[];
  prediction?: TheoryPrediction;
  note?: string;
}

export interface SharpnessWidth {
  width: number;
  seeds: number;
  /** step-scaled sharpness η_eff·λ_max at the last common step, and its maximum */
  final: number | null;
  max: number | null;
  /** raw λ_max at the last common step */
  finalRaw: number | null;
  /** mean and last Δ_N(t) = |s_N − s_widest| / s_widest over the common steps */
  meanSpread: number | null;
  finalSpread: number | null;
}

export interface SharpnessSummary {
  group: GroupLabel;
  over: string;
  steps: number[];
  widths: SharpnessWidth[];
  /** seed-mean s_N(t) at the common steps, per width */
  trajectories: { width: number; scaled: (number | null)[] }[];
  /** mean Δ over all widths but the widest and all common steps after step 0: small = consistent */
  consistency: number | null;
  /** mean Δ in the first and last third of the common steps (flat spread: similar values) */
  spreadEarly: number | null;
  spreadLate: number | null;
  /** the widest width's final scaled sharpness relative to the edge of stability 2 */
  edgeOfStability: { threshold: 2; widestFinal: number | null; ratio: number | null };
}

export interface PhasePoint {
  gamma: number;
  lr: number;
  /** seed-mean metric; null when diverged */
  loss: number | null;
  /** under the summary's stability rule */
  stable: boolean;
}

export interface SlopeFit {
  slope: number | null;
  /** points (γ0 values) in the fit */
  n: number;
  /** the slope P3 predicts; null when no prediction applies to what was measured (see note) */
  expected: number | null;
  /** the smallest and largest γ0 in the fit */
  gammaRange?: [number, number] | null;
  note?: string;
}

/** η_max at one γ0 by one stability rule: the largest stable lr and the next lr run above it. */
export interface EtaMaxByRule {
  etaMax: number | null;
  etaMaxBracket: [number, number | null] | null;
}

export interface PhaseGamma {
  gamma: number;
  /** by the summary's `stability` rule */
  etaMax: number | null;
  etaMaxBracket: [number, number | null] | null;
  /** η_max by every rule that can classify all trials of this γ0 (always the summary's rule) */
  etaMaxByRule: Partial<Record<StabilityRule, EtaMaxByRule>>;
  /** trials the summary's rule cannot classify (counted as unstable) */
  unclassified: number;
  etaStar: number | null;
  lossStar: number | null;
}

export interface PhaseDiagramSummary {
  group: GroupLabel;
  gammaAxis: string;
  lrAxis: string;
  depth: number | null;
  /** the rule η_max uses: bound (divergenceFactor × initial loss) or finite (no non-finite loss, P3) */
  stability: StabilityRule;
  points: PhasePoint[];
  perGamma: PhaseGamma[];
  /** slopes of log η on log γ0 for γ0 ≤ 1 (expected 2) and γ0 ≥ 1 (expected 2/L) */
  slopes: { etaStar: { small: SlopeFit; large: SlopeFit }; etaMax: { small: SlopeFit; large: SlopeFit } };
  /** η_max slopes by every stability rule that could judge every γ0 (the chosen one included) */
  etaMaxSlopesByRule: Partial<Record<StabilityRule, { small: SlopeFit; large: SlopeFit }>>;
  /**
   * top Hessian eigenvalue at initialisation vs γ0, when measured: −2 expected for γ0 ≤ 1 (the
   * Gauss–Newton part at init); P3's −2/L for γ0 ≥ 1 is about the trained network, so none there
   */
  sharpnessSlopes?: { small: SlopeFit; large: SlopeFit };
}

export interface ForgettingSummary {
  group: GroupLabel;
  over: string;
  points: { width: number; averageAccuracy: number; averageForgetting: number; seeds: number }[];
  /** AF = a·N^(−b): b, its interval and a */
  exponent: number | null;
  ci: Ci | null;
  amplitude: number | null;
  quality: FitQuality | null;
  bootstrap: BootstrapInfo;
  /** fraction of forgetting removed by each doubling of width, 1 − 2^(−b) */
  perDoubling: number | null;
}

export interface AlignmentPoint {
  alpha: number;
  /** after the last giant step, per teacher direction: seed-mean of max and mean |cos| over neurons */
  maxOverlap: number[];
  meanOverlap: number[];
  updateOverlap: number[];
  testLoss: number | null;
  seeds: number;
}

export interface AlignmentSummary {
  group: GroupLabel;
  over: string;
  curves: { inputDim: number; baseline: number; points: AlignmentPoint[] }[];
  /** mean over shared α of (max − min)/mean across d of the first direction's max overlap */
  collapseSpread: number | null;
  /** the same for the overlap of the first update's top singular direction */
  collapseSpreadUpdate: number | null;
}

export interface Summary {
  version: typeof SUMMARY_VERSION;
  sweepId: string | null;
  /** learning-rate conventions recorded by the trials (docs/science.md §1) */
  lrConvention: string[];
  axes: string[];
  trials: Record<Outcome, number> & { total: number };
  lrTransfer: LrTransferSummary[];
  scalingLaws: ScalingLawSummary[];
  sharpness: SharpnessSummary[];
  phaseDiagram: PhaseDiagramSummary[];
  forgetting: ForgettingSummary[];
  alignment: AlignmentSummary[];
  /** the preflight's coord check (preflight.json), one entry per parametrization, layer, step and measure */
  coordCheck?: CoordCheckEntry[];
  /** the preflight was skipped (`--skip-preflight`) */
  preflightSkipped?: boolean;
  /** what an analysis skipped and why, fit warnings */
  notes: string[];
  /** what the sweep lacks for a complete answer (unfinished trials, absent axes or metrics) */
  missing: string[];
}
