// One example's section of docs/results.md, rendered from its summary.json, its recorded spec
// and trials, and its declared expectations. Pure: the caller reads the files.
import { describeGroup } from '../../core/analysis/groups.js';
import type { Summary } from '../../core/analysis/summary.js';
import type { TrialRecord } from '../../core/outcome.js';
import { fmt, runCheck, type CheckResult } from './checks.js';
import type { Expectation } from './expectations.js';
import { setupLines, type RunFacts, type RunSpec } from './setup.js';
import { interval, summaryTables, table } from './tables.js';

export interface SectionInput {
  /** the example's name (examples/<name>.yaml) */
  name: string;
  /** its path under examples/ without .yaml, when not its name (examples/byo-jax/lr-transfer) */
  path?: string;
  expect: Expectation;
  summary: Summary;
  spec: RunSpec;
  trials: TrialRecord[];
  facts: RunFacts;
  /** SVG files written for the plots, relative to docs/, with captions */
  plots: { path: string; caption: string }[];
}

export const beginMarker = (name: string) => `<!-- example:${name} -->`;
export const endMarker = (name: string) => `<!-- /example:${name} -->`;

const measuredText = (r: CheckResult) => (typeof r.measured === 'number' ? fmt(r.measured) : r.measured ?? 'n/a');
const expectedText = (r: CheckResult) => (typeof r.expected === 'number' ? fmt(r.expected) : r.expected ?? 'n/a');

/** How η_max was decided in a phase-diagram run: the analysis's stability rule and the trials' divergence bound. */
export function stabilityRule(spec: RunSpec): string | null {
  const pd = spec.analysis?.phaseDiagram as Record<string, unknown> | undefined;
  if (!pd) return null;
  const rule = typeof pd.stability === 'string' ? pd.stability : 'bound';
  const train = spec.base.train as Record<string, unknown> | undefined;
  const factor = typeof train?.divergenceFactor === 'number' ? train.divergenceFactor : 1e6;
  if (rule === 'finite') return `η_max is the largest η0 whose trials kept a finite loss over the whole run (stability rule \`finite\`, as in P3)${factor === 0 ? '; the divergence bound was off (`train.divergenceFactor: 0`)' : `; note the runs still stopped at ${fmt(factor)} × the initial loss`}.`;
  return `η_max is the largest η0 whose trials ran to the end with a finite loss below ${fmt(factor)} × the initial loss (stability rule \`${rule}\`, the product's default; P3 counts only a non-finite loss).`;
}

/** Sentences that read the checks: how many agree, and each disagreement with its numbers. */
export function readingSentences(results: CheckResult[]): string {
  const agree = results.filter((r) => r.verdict === 'agrees').length;
  const parts = [`${agree} of ${results.length} check${results.length === 1 ? '' : 's'} agree${agree === 1 ? 's' : ''} with the expectation.`];
  for (const r of results) {
    if (r.verdict === 'disagrees') parts.push(`Disagrees: ${r.check.name} — measured ${measuredText(r)}${r.ci ? ` ${interval(r.ci)}` : ''}, expected ${r.rule}.`);
    if (r.verdict === 'not measured') parts.push(`Not measured: ${r.check.name} (${r.problem ?? 'no value'}).`);
  }
  return parts.join(' ');
}

export function renderSection(input: SectionInput): string {
  const { name, expect, summary } = input;
  const path = input.path ?? name;
  const results = expect.checks.map((c) => runCheck(summary, c, describeGroup));
  const out: string[] = [beginMarker(name), `## ${expect.title} — \`examples/${path}.yaml\``, ''];
  out.push(`${expect.question} Reproduces ${expect.paper}.`, '');
  out.push(...setupLines(input.spec, input.trials, summary.trials, input.facts).map((l) => `- ${l}`));
  out.push(`- Learning rates: ${summary.lrConvention.join('; ') || 'convention not recorded'}.`);
  const rule = stabilityRule(input.spec);
  if (rule) out.push(`- ${rule}`);
  out.push('', `Reproduce: \`npm run reproduce ${name}${input.facts.specFile.endsWith('-small.yaml') ? ' --small' : ''}\`. Expectations: [\`examples/${path}.expect.yaml\`](../examples/${path}.expect.yaml).`, '');
  out.push(table(['check', 'summary entry', 'expected', 'measured', 'interval', 'rule', 'verdict'], results.map((r) => [
    r.check.name, r.entry ?? 'none', expectedText(r), measuredText(r), interval(r.ci), r.rule, `**${r.verdict}**`])));
  out.push('', readingSentences(results), '');
  if (expect.reading) out.push(`Reading: ${expect.reading.trim().replace(/\s+/g, ' ')}`, '');
  for (const t of summaryTables(summary)) out.push(t, '');
  for (const p of input.plots) out.push(`![${p.caption}](${p.path})`);
  if (input.plots.length) out.push('');
  if (summary.missing.length) out.push(`Missing from this run: ${summary.missing.join('; ')}.`, '');
  out.push(endMarker(name));
  return out.join('\n');
}

/** The section of an example that has not been run yet. */
export function placeholderSection(name: string, expect: Expectation, path = name): string {
  return [beginMarker(name), `## ${expect.title} — \`examples/${path}.yaml\``, '',
    `${expect.question} Reproduces ${expect.paper}.`, '',
    `Not generated yet: run \`npm run reproduce ${name}\`.`, endMarker(name)].join('\n');
}
