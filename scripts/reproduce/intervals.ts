// The results page's block on intervals over seeds: their coverage, measured by simulation with
// the analysis code itself (core/analysis/coverage.ts, the same runs the unit tests assert on).
import { exponentCoverage, EXPONENT_NOISE, EXPONENT_TRUTH, slopeCoverage, SLOPE_TRUTH, type Coverage } from '../../core/analysis/coverage.js';
import { beginMarker, endMarker } from './section.js';

export const INTERVALS = 'intervals';
export const SEED_COUNTS = [2, 3, 4, 8] as const;

export function intervalsPlaceholder(): string {
  return [beginMarker(INTERVALS), '## Intervals over seeds', '', `Not generated yet: run \`npm run reproduce ${INTERVALS}\`.`, endMarker(INTERVALS)].join('\n');
}

/** The block from measured coverages (pure: the tests render fixtures). */
export function renderIntervals(rows: readonly Coverage[]): string {
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  const lines = [
    beginMarker(INTERVALS),
    '## Intervals over seeds',
    '',
    'Every interval on this page is a 95% interval over seeds, computed as `summary.json` records in',
    '`bootstrap.method` ([docs/science.md §5](science.md)): with 2–9 seeds a leave-one-seed-out',
    'jackknife with a Student-t quantile on seeds − 1 degrees of freedom, centred on the estimate;',
    'with 10 or more seeds a percentile bootstrap over seeds; with one seed none. Its coverage was',
    'measured by simulating sweeps with a known truth and analysing them with the product\'s own code',
    `(\`core/analysis/coverage.ts\`): a power-law exponent fitted with offset at 8 widths (truth α = ${EXPONENT_TRUTH.alpha},`,
    `${pct(EXPONENT_NOISE)} noise per point and seed), and an lr-transfer slope over 5 widths (truth ${SLOPE_TRUTH}, η*`,
    'scattered by seed). A calibrated interval covers the truth in 95% of sweeps.',
    '',
    '| statistic | seeds | method | sweeps | coverage | mean width |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.statistic} | ${r.seeds} | ${r.method} | ${r.draws} | ${pct(r.rate)} | ${r.meanWidth.toPrecision(3)} |`),
    '',
    'With two seeds the intervals are calibrated but wide: an example with two seeds can agree with a',
    'prediction without pinning it down.',
    endMarker(INTERVALS),
  ];
  return lines.join('\n');
}

/** Runs the simulations (about a minute on one core). */
export function measureIntervals(): string {
  const rows: Coverage[] = [];
  for (const n of SEED_COUNTS) rows.push(exponentCoverage(n, 600));
  for (const n of SEED_COUNTS) rows.push(slopeCoverage(n, 3000));
  return renderIntervals(rows);
}
