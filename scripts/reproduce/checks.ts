// Applies an example's declared checks to its summary.json: picks the entry and quantity each
// check names, resolves the expected value (a number, or the prediction the summary carries)
// and computes the verdict by the check's rule.
import type { Ci, Summary, SlopeFit } from '../../core/analysis/summary.js';
import type { Check, Rule } from './expectations.js';

export type Verdict = 'agrees' | 'disagrees' | 'not measured';

export interface CheckResult {
  check: Check;
  /** the summary entry's group, in words */
  entry: string | null;
  measured: number | string | null;
  ci: Ci | null;
  expected: number | string | null;
  /** the rule in words, with its numbers */
  rule: string;
  verdict: Verdict;
  /** why there is no value, when there is none */
  problem?: string;
}

type Entry = { group: Record<string, unknown> };

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Entries whose group label has every key of `want` with an equal value. */
export function matching<T extends Entry>(entries: readonly T[], want: Record<string, unknown>): T[] {
  return entries.filter((e) => Object.entries(want).every(([k, v]) => k in e.group && sameValue(e.group[k], v)));
}

/** The value a check reads, with what the summary itself expects of it (prediction or slope target). */
interface Picked { entry: Entry; value: number | string | null; ci: Ci | null; expected?: number; lazy?: number; rich?: number }

const slope = (entry: Entry, fit: SlopeFit | undefined): Picked => ({ entry, value: fit?.slope ?? null, ci: null, expected: fit?.expected ?? undefined });

function pick(summary: Summary, c: Check): Picked | string {
  const one = <T extends Entry>(entries: readonly T[]): T | string => {
    const m = matching(entries, c.group);
    if (m.length === 1) return m[0];
    return m.length === 0 ? `no ${c.analysis} entry matches the group` : `${m.length} ${c.analysis} entries match the group; name more of its keys`;
  };
  switch (c.analysis) {
    case 'lrTransfer': {
      const e = one(summary.lrTransfer);
      if (typeof e === 'string') return e;
      return c.quantity === 'verdict' ? { entry: e, value: e.verdict, ci: null } : { entry: e, value: e.slope, ci: e.ci };
    }
    case 'scalingLaws': {
      const e = one(summary.scalingLaws.filter((s) => s.axis === c.axis));
      if (typeof e === 'string') return e;
      const pred = e.prediction;
      return { entry: e, value: e.exponent, ci: e.ci, lazy: pred?.lazy, rich: pred?.rich };
    }
    case 'phaseDiagram': {
      const e = one(summary.phaseDiagram);
      if (typeof e === 'string') return e;
      const fits: Record<string, SlopeFit | undefined> = {
        etaStarSlopeSmall: e.slopes.etaStar.small, etaStarSlopeLarge: e.slopes.etaStar.large,
        etaMaxSlopeSmall: e.slopes.etaMax.small, etaMaxSlopeLarge: e.slopes.etaMax.large,
        etaMaxBoundSlopeSmall: e.etaMaxSlopesByRule?.bound?.small, etaMaxBoundSlopeLarge: e.etaMaxSlopesByRule?.bound?.large,
        etaMaxFiniteSlopeSmall: e.etaMaxSlopesByRule?.finite?.small, etaMaxFiniteSlopeLarge: e.etaMaxSlopesByRule?.finite?.large,
        sharpnessSlopeSmall: e.sharpnessSlopes?.small, sharpnessSlopeLarge: e.sharpnessSlopes?.large,
      };
      return slope(e, fits[c.quantity]);
    }
    case 'sharpness': {
      const e = one(summary.sharpness);
      if (typeof e === 'string') return e;
      const v = c.quantity === 'consistency' ? e.consistency : c.quantity === 'spreadLate' ? e.spreadLate : e.edgeOfStability.widestFinal;
      return { entry: e, value: v, ci: null, expected: c.quantity === 'widestFinal' ? e.edgeOfStability.threshold : undefined };
    }
    case 'forgetting': {
      const e = one(summary.forgetting);
      if (typeof e === 'string') return e;
      return c.quantity === 'exponent' ? { entry: e, value: e.exponent, ci: e.ci } : { entry: e, value: e.perDoubling, ci: null };
    }
    case 'alignment': {
      const e = one(summary.alignment);
      if (typeof e === 'string') return e;
      if (c.quantity === 'collapseSpreadUpdate') return { entry: e, value: e.collapseSpreadUpdate, ci: null };
      if (c.quantity === 'collapseSpread') return { entry: e, value: e.collapseSpread, ci: null };
      const curve = e.curves.find((k) => k.inputDim === c.inputDim);
      if (!curve || !curve.points.length) return `no overlap curve for d = ${c.inputDim}`;
      const last = curve.points.reduce((a, b) => (b.alpha > a.alpha ? b : a));
      return { entry: e, value: last.updateOverlap[(c.direction ?? 1) - 1] ?? null, ci: null };
    }
  }
}

/** Formats a number for the page: 3 significant digits, no trailing zeros. */
export function fmt(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'n/a';
  const a = Math.abs(v);
  // very large and very small values in exponent form (1e6, not 1000000)
  if (a >= 1e5 || (a > 0 && a < 1e-4)) return v.toExponential(digits - 1).replace(/\.?0+e/, 'e').replace('e+', 'e');
  return Number(v.toPrecision(digits)).toString();
}

function expectedValue(rule: Rule, picked: Picked): number | string | null {
  if ('equals' in rule) return rule.equals;
  if ('atMost' in rule) return rule.atMost;
  if ('atLeast' in rule) return rule.atLeast;
  if (typeof rule.near === 'number') return rule.near;
  if (rule.near === 'summary') return picked.expected ?? null;
  return (rule.near === 'lazy' ? picked.lazy : picked.rich) ?? null;
}

export function describeRule(rule: Rule, expected: number | string | null): string {
  if ('equals' in rule) return `verdict is "${rule.equals}"`;
  if ('atMost' in rule) return `at most ${fmt(rule.atMost)}`;
  if ('atLeast' in rule) return `at least ${fmt(rule.atLeast)}`;
  const e = typeof expected === 'number' ? expected : NaN;
  const tol = Math.max(rule.relTol * Math.abs(e), rule.absTol ?? 0);
  return `${fmt(e)} inside the interval, or within ${fmt(tol)} (${fmt(100 * rule.relTol, 2)}%${rule.absTol ? ` or ${fmt(rule.absTol)}` : ''})`;
}

/** The verdict of one rule on a measured value (and its interval). */
export function applyRule(rule: Rule, measured: number | string | null, ci: Ci | null, expected: number | string | null): Verdict {
  if (measured === null || expected === null) return 'not measured';
  if ('equals' in rule) return measured === rule.equals ? 'agrees' : 'disagrees';
  if (typeof measured !== 'number' || !Number.isFinite(measured)) return 'not measured';
  if ('atMost' in rule) return measured <= rule.atMost ? 'agrees' : 'disagrees';
  if ('atLeast' in rule) return measured >= rule.atLeast ? 'agrees' : 'disagrees';
  const e = expected as number;
  if (ci && ci[0] <= e && e <= ci[1]) return 'agrees';
  return Math.abs(measured - e) <= Math.max(rule.relTol * Math.abs(e), rule.absTol ?? 0) ? 'agrees' : 'disagrees';
}

export function runCheck(summary: Summary, check: Check, describe: (g: Record<string, unknown>) => string): CheckResult {
  const picked = pick(summary, check);
  if (typeof picked === 'string') {
    const expected = expectedValue(check.expect, { entry: { group: {} }, value: null, ci: null });
    return { check, entry: null, measured: null, ci: null, expected, rule: describeRule(check.expect, expected), verdict: 'not measured', problem: picked };
  }
  const expected = expectedValue(check.expect, picked);
  const verdict = applyRule(check.expect, picked.value, picked.ci, expected);
  const result: CheckResult = { check, entry: describe(picked.entry.group), measured: picked.value, ci: picked.ci, expected, rule: describeRule(check.expect, expected), verdict };
  if (expected === null) result.problem = 'the summary carries no prediction for this entry';
  else if (picked.value === null) result.problem = 'the summary has no value (see its notes)';
  return result;
}
