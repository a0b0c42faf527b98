// A process's environment settings (SWEEP_*), checked by a zod schema like a spec: a bad value
// is an EnvError whose one line names the variable, and every entry point (orchestrator,
// aggregator, trainer) reports it the same way — that line, exit code 2.
import { z } from 'zod';
import { ConfigError, formatIssues } from './config/errors.js';

/** A bad environment setting; `problems` are "VARIABLE: what is wrong". */
export class EnvError extends ConfigError {
  constructor(problems: string[]) {
    super(problems, 'environment');
    this.name = 'EnvError';
  }

  /** The one line an entry point prints (without the process name). */
  get line(): string {
    return this.problems.join('; ');
  }
}

/** Parses `env` with `schema` (an object of variable names; other variables are ignored). */
export function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  // An empty variable means unset, as in a shell's `FOO= cmd`.
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(given);
  if (!parsed.success) throw new EnvError(formatIssues(parsed.error.issues));
  return parsed.data;
}

/** A whole number in [min, max], given as text. */
export const intSetting = (min: number, max = Number.MAX_SAFE_INTEGER, what = `an integer >= ${min}`) =>
  z.string().trim().refine((v) => /^-?\d+$/.test(v) && Number(v) >= min && Number(v) <= max, { error: (i) => `must be ${what}, got ${JSON.stringify(i.input)}` })
    .transform(Number);

/** A number >= min, given as text. */
export const numberSetting = (min: number) =>
  z.string().trim().refine((v) => v !== '' && Number.isFinite(Number(v)) && Number(v) >= min, { error: (i) => `must be a number >= ${min}, got ${JSON.stringify(i.input)}` })
    .transform(Number);

/** Comma- or space-separated server URLs. */
export const serverList = z.string().transform((v) => v.split(/[\s,]+/).filter(Boolean))
  .refine((l) => l.length > 0, 'must name at least one server');

/** "1" turns a flag on; anything else is refused rather than silently read as off. */
export const flagSetting = z.enum(['0', '1'], { error: (i) => `must be 0 or 1, got ${JSON.stringify(i.input)}` }).transform((v) => v === '1');
