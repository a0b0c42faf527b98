// The results page's block on what the coord-check preflight costs: for each shipped example,
// its wall time as a fraction of the sweep it guards (the trials' wall time). Both come from the
// same run when the run's folder holds preflight.json; otherwise the sweep's wall time is the
// one its section records and the coord check is measured now with `sweep coord-check`.
import { beginMarker, endMarker } from './section.js';
import { fmt } from './checks.js';
import { costPhrase } from './setup.js';

export const PREFLIGHT_COST = 'preflight-cost';

/** Where an example's two durations come from. */
export type CostSource =
  /** preflight.json and trials.jsonl of one run */
  | { kind: 'same run'; commit: string | null; load?: number | null }
  /** the sweep's recorded run, and a separate `sweep coord-check` of the same spec file */
  | { kind: 'apart'; sweepCommit: string | null; sweepLoad?: number | null; checkCommit: string | null; checkLoad?: number | null };

export interface CostRow {
  name: string;
  /** the spec file that ran, relative to the repository */
  specFile: string;
  preflightSeconds: number | null;
  sweepSeconds: number | null;
  source: CostSource;
  /** why a number is missing */
  problem?: string;
}

const commitText = (c: string | null) => (c ? `commit \`${c}\`` : 'an unrecorded commit');
const loadText = (l: number | null | undefined, unknown = '') => (typeof l === 'number' ? `, load average ${fmt(l, 2)}` : unknown);

function sourceText(s: CostSource): string {
  if (s.kind === 'same run') return `both from one run (preflight.json and trials.jsonl, code at ${commitText(s.commit)}${loadText(s.load)})`;
  return `the sweep's wall time from its recorded run above (${commitText(s.sweepCommit)}${loadText(s.sweepLoad, ', load not recorded')}), which predates the preflight; `
    + `the coord check measured apart by \`sweep coord-check\` on the same spec file (${commitText(s.checkCommit)}${loadText(s.checkLoad)})`;
}

export function preflightCostPlaceholder(): string {
  return [beginMarker(PREFLIGHT_COST), '## Cost of the coord-check preflight', '', `Not generated yet: run \`npm run reproduce ${PREFLIGHT_COST}\`.`, endMarker(PREFLIGHT_COST)].join('\n');
}

/** The block from the measured rows (pure: the tests render fixtures). */
export function renderPreflightCost(rows: readonly CostRow[], cpus: number | null): string {
  const lines = [
    beginMarker(PREFLIGHT_COST),
    '## Cost of the coord-check preflight',
    '',
    'Every shipped example declares `preflight: { coordCheck: {} }`: before any trial, each width of',
    'the grid (64–1024 without a width axis) trains 3 steps on one fixed batch with 2 seeds, per',
    'parametrization ([docs/science.md §1](science.md), "Coord check"). Its cost is its wall time',
    '(`durationMs` in `preflight.json`) against the wall time of the trials it guards, from the first',
    `trial's start to the last one's end${cpus ? `, on this machine (${cpus} CPUs)` : ''}. Both slow down when other work`,
    'shares the machine (the load average is stated with each number), so a fraction is only as',
    'good as its two numbers were measured under the same conditions: best from one run.',
    '',
    ...rows.map((r) => `- ${r.name} ([\`${r.specFile}\`](../${r.specFile})): ${costPhrase(r.preflightSeconds, r.sweepSeconds)}`
      + `${r.problem ? ` (${r.problem})` : ''}; ${sourceText(r.source)}.`),
    '',
    'The check trains a handful of steps per width where the sweep trains hundreds to tens of',
    'thousands per trial, so its share is largest for the examples whose whole sweep takes seconds.',
    endMarker(PREFLIGHT_COST),
  ];
  return lines.join('\n');
}

/** What a section's generated lines say about its run (setupLines writes them). */
export interface RecordedRun {
  specFile: string | null;
  wallSeconds: number | null;
  commit: string | null;
}

/** Seconds from formatDuration's text ("3.6 s", "9 min 52 s"); null for "n/a" or anything else. */
export function parseDuration(text: string): number | null {
  const m = /^(?:(\d+) min (\d+) s|([\d.]+(?:e-?\d+)?) s)$/.exec(text.trim());
  if (!m) return null;
  return m[3] !== undefined ? Number(m[3]) : 60 * Number(m[1]) + Number(m[2]);
}

/** The spec file, wall time and commit an example's section records (its Spec and Run lines). */
export function recordedRun(block: string): RecordedRun {
  const spec = /^- Spec: \[`([^`]+)`\]/m.exec(block)?.[1] ?? null;
  const run = /^- Run: .*$/m.exec(block)?.[0] ?? '';
  const wall = /; wall time (.+?)(?: \(|, )/.exec(run)?.[1];
  const commit = /code at commit `([^`]+)`/.exec(run)?.[1] ?? null;
  return { specFile: spec, wallSeconds: wall === undefined ? null : parseDuration(wall), commit };
}
