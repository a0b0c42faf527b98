// Plain-language wording for schema failures in user-written specs and configs, used as zod's
// per-parse error map: "must be >= 1" reads better on a command line than zod's defaults.
// Messages written on a schema itself (e.g. the γ0 precision bound) still take precedence.
import type { z } from 'zod';

/** Short description of a value for "got ..." (never the whole value: it may be a big object). */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : v === Infinity ? 'infinity' : v === -Infinity ? '-infinity' : String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 24 ? `${v.slice(0, 24)}…` : v);
  if (typeof v === 'object') return 'a mapping';
  return String(v);
}

const EXPECTED: Record<string, string> = {
  number: 'a number',
  int: 'an integer',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
  tuple: 'a list',
};

const plural = (n: number | bigint, word: string) => `${n} ${word}${Number(n) === 1 ? '' : 's'}`;

type RawIssue = z.core.$ZodRawIssue;

/** zod error map: returns the message for one issue, or undefined to keep zod's own. */
export function specErrorMap(iss: RawIssue): string | undefined {
  switch (iss.code) {
    case 'invalid_type': {
      if (iss.input === undefined) return 'is required';
      const expected = EXPECTED[iss.expected] ?? iss.expected;
      // zod refuses .inf and .nan as numbers; say so rather than "must be a number, got infinity"
      if ((iss.expected === 'number' || iss.expected === 'int') && typeof iss.input === 'number' && !Number.isFinite(iss.input)) return `must be a finite number, got ${describeValue(iss.input)}`;
      return `must be ${expected}, got ${describeValue(iss.input)}`;
    }
    case 'too_small': {
      const min = iss.minimum;
      if (iss.origin === 'number' || iss.origin === 'int' || iss.origin === 'bigint') return `must be ${iss.inclusive ? '>=' : '>'} ${min}, got ${describeValue(iss.input)}`;
      if (iss.origin === 'array' || iss.origin === 'set') return `must have at least ${plural(min, 'item')}`;
      if (iss.origin === 'string') return Number(min) === 1 ? 'must not be empty' : `must have at least ${plural(min, 'character')}`;
      return undefined;
    }
    case 'too_big': {
      const max = iss.maximum;
      if (iss.origin === 'number' || iss.origin === 'int' || iss.origin === 'bigint') return `must be ${iss.inclusive ? '<=' : '<'} ${max}, got ${describeValue(iss.input)}`;
      if (iss.origin === 'array' || iss.origin === 'set') return `must have at most ${plural(max, 'item')}`;
      if (iss.origin === 'string') return `must have at most ${plural(max, 'character')}`;
      return undefined;
    }
    case 'invalid_value': {
      const values = iss.values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
      return values.length === 1 ? `must be ${values[0]}, got ${describeValue(iss.input)}` : `must be one of ${values.join(', ')}, got ${describeValue(iss.input)}`;
    }
    case 'not_multiple_of':
      return `must be a multiple of ${iss.divisor}`;
    case 'invalid_union':
      return 'does not match any allowed form';
    default:
      return undefined;
  }
}
