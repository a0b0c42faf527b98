// The setup paragraph of an example's section, generated from what the run recorded: the
// resolved spec kept in the output folder (spec.json) and the trial records (trials.jsonl).
import type { TrialRecord } from '../../core/outcome.js';
import { fmt } from './checks.js';

/** The part of an output folder's spec.json the page describes. */
export interface RunSpec {
  name: string;
  base: Record<string, unknown>;
  /** a command trainer's section (its program), absent for the built-in one */
  trainer?: { kind?: string; command?: unknown };
  axes: { path: string; values: unknown[]; kind?: string }[];
  search?: Record<string, unknown>;
  analysis?: Record<string, unknown>;
}

/** How the run was made, written by the generator beside the run (run-record.ts). */
export interface RunFacts {
  /** the spec file that ran, relative to the repository */
  specFile: string;
  /** trials the grid holds before any search (from the spec file), when known */
  gridTrials: number | null;
  /** worker processes, when the generator started the run */
  parallel: number | null;
  cpus: number | null;
  /** the machine's 5-minute load average when the run ended (others' work slows the trials) */
  load?: number | null;
  commit: string | null;
  /** the run's preflight.json: null when the run has none; absent when not read */
  preflight?: { seconds: number | null; skipped: boolean; ok: boolean } | null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function value(v: unknown): string {
  if (typeof v === 'number') return fmt(v, 4);
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** "key value, key value" of one base section, leaving out keys that are grid axes. */
function keys(section: unknown, prefix: string, axes: Set<string>, skip: string[] = []): string {
  if (!isObject(section)) return '';
  return Object.entries(section)
    .filter(([k]) => !skip.includes(k) && !axes.has(`${prefix}.${k}`))
    .map(([k, v]) => (isObject(v) ? `${k} (${keys(v, `${prefix}.${k}`, axes)})` : `${k} ${value(v)}`))
    .join(', ');
}

export function describeAxis(a: RunSpec['axes'][number]): string {
  const vs = a.values;
  const nums = vs.every((v) => typeof v === 'number');
  const list = vs.length <= 8 || !nums ? vs.map(value).join(', ') : `${value(vs[0])}, ${value(vs[1])}, …, ${value(vs[vs.length - 1])}`;
  return `\`${a.path}\`: ${vs.length} value${vs.length === 1 ? '' : 's'} (${list}${a.kind && a.kind !== 'list' ? `; ${a.kind}` : ''})`;
}

/** Wall time from the first trial's start to the last trial's end, in seconds. */
export function wallSeconds(trials: readonly Pick<TrialRecord, 'finishedAt' | 'durationMs'>[]): number | null {
  let start = Infinity, end = -Infinity;
  for (const t of trials) {
    const f = Date.parse(t.finishedAt);
    if (!Number.isFinite(f)) continue;
    start = Math.min(start, f - (t.durationMs ?? 0));
    end = Math.max(end, f);
  }
  return Number.isFinite(start) && end >= start ? (end - start) / 1000 : null;
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null) return 'n/a';
  if (seconds < 60) return `${fmt(seconds, 2)} s`;
  const m = Math.floor(seconds / 60), s = Math.round(seconds - 60 * m);
  return `${m} min ${s} s`;
}

/** "coord check 6.2 s = 0.5% of the 22 min 14 s sweep", or what is missing. */
export function costPhrase(preflightSeconds: number | null, sweepSeconds: number | null): string {
  if (preflightSeconds === null) return 'coord check time not measured';
  const check = `coord check ${formatDuration(preflightSeconds)}`;
  if (sweepSeconds === null || !(sweepSeconds > 0)) return `${check}; the sweep's wall time is not recorded`;
  return `${check} = ${fmt(100 * preflightSeconds / sweepSeconds, 2)}% of the ${formatDuration(sweepSeconds)} sweep`;
}

/** The setup line on the run's preflight (preflight.json). */
function preflightLine(p: NonNullable<RunFacts['preflight']>, wall: number | null): string {
  if (p.skipped) return 'Preflight: skipped (`--skip-preflight`): the sweep ran without its coord check.';
  return `Preflight: ${costPhrase(p.seconds, wall)}; ${p.ok ? 'passed' : 'failed'}.`;
}

export interface TrialCounts { total: number; succeeded: number; diverged: number; failed: number; cancelled: number }

/** Markdown bullet lines describing the setup. */
export function setupLines(spec: RunSpec, trials: readonly TrialRecord[], counts: TrialCounts, facts: RunFacts): string[] {
  const axes = new Set(spec.axes.map((a) => a.path));
  const b = spec.base;
  const task = isObject(b.task) ? b.task : {};
  const lines: string[] = [];
  if (b.trainer === 'command') {
    // the user's own trainer: what it was given is its params
    const command = Array.isArray(spec.trainer?.command) ? spec.trainer.command.join(' ') : '?';
    lines.push(`Spec: [\`${facts.specFile}\`](../${facts.specFile}); command trainer \`${command}\`; params: ${keys(b.params, 'params', axes)}.`);
  } else lines.push(`Spec: [\`${facts.specFile}\`](../${facts.specFile}); task \`${String(task.kind ?? '?')}\` (${keys(task, 'task', axes, ['kind'])}).`);
  const sections = (['model', 'optimizer', 'train', 'giantStep'] as const)
    .filter((k) => isObject(b[k]))
    .map((k) => `${k}: ${keys(b[k], k, axes)}`);
  if (sections.length) lines.push(`${sections.join('; ')}.`);
  if (spec.axes.length) lines.push(`Grid: ${spec.axes.map(describeAxis).join('; ')}.`);
  const seedAxis = b.trainer === 'command' ? 'params.seed' : 'seed';
  const seeds = spec.axes.find((a) => a.path === seedAxis)?.values.length ?? 1;
  const seed = b.trainer === 'command' && isObject(b.params) ? b.params.seed : b.seed;
  lines.push(`Seeds: ${seeds}${seeds === 1 ? ` (seed ${value(seed ?? 0)})` : ''}.`);
  const search = spec.search;
  if (search && search.kind !== 'grid') {
    const params = Object.entries(search).filter(([k]) => k !== 'kind').map(([k, v]) => `${k} ${value(v)}`).join(', ');
    const skipped = facts.gridTrials !== null && search.kind === 'lr-descent' ? `; ${facts.gridTrials - counts.total} of the grid's ${facts.gridTrials} trials were skipped by it` : '';
    const added = facts.gridTrials !== null && search.kind === 'lr-refine' ? `; it added ${counts.total - facts.gridTrials} trials to the grid's ${facts.gridTrials}` : '';
    lines.push(`Search: \`${String(search.kind)}\` (${params})${skipped}${added}.`);
  }
  const outcome = `${counts.total} trials: ${counts.succeeded} succeeded, ${counts.diverged} diverged, ${counts.failed} failed`;
  const machine = [facts.parallel !== null ? `${facts.parallel} worker${facts.parallel === 1 ? '' : 's'}` : null, facts.cpus !== null ? `${facts.cpus} CPUs` : null].filter(Boolean).join(' on ')
    + (typeof facts.load === 'number' ? `, load average ${fmt(facts.load, 2)}` : '');
  const cpu = trials.reduce((s, t) => s + (t.durationMs ?? 0), 0) / 1000;
  const wall = wallSeconds(trials);
  lines.push(`Run: ${outcome}; wall time ${formatDuration(wall)}${machine ? ` (${machine})` : ''}, ${formatDuration(cpu)} summed over trials${facts.commit ? `; code at commit \`${facts.commit}\`` : ''}.`);
  if (facts.preflight === null) lines.push('Preflight: none recorded in this run (no preflight.json).');
  else if (facts.preflight) lines.push(preflightLine(facts.preflight, wall));
  return lines;
}
