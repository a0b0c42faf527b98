// Turning schema failures into the one-line, path-naming errors users see.
import type { z } from 'zod';

/** A config or spec that cannot be used; `problems` lists every "path: what is wrong". */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[], readonly source?: string) {
    // one line each, whatever text from the spec they quote (a key may hold a line break)
    const lines = problems.map((p) => p.replace(/[\r\n\u2028\u2029]+/g, ' '));
    super(`${source ? `${source}: ` : ''}${lines.join('; ')}`);
    this.problems = lines;
    this.name = 'ConfigError';
  }
}

/** A key as written in a path: plain, or quoted when it is empty or has spaces, quotes or brackets. */
const plainKey = (key: string) => /^[^\s"'[\]\\]+$/u.test(key);

/** A dotted path the user wrote, as shown in a message: quoted unless it is plain. */
export function displayPath(path: string): string {
  return /^[A-Za-z0-9_.$-]+$/.test(path) ? path : JSON.stringify(path);
}

/** Dotted path of an issue (array indices in brackets): `grid.zip[0].model.width`, `model[" "]`. */
export function issuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (!plainKey(String(p))) out += `[${JSON.stringify(String(p))}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(top level)';
}

/** One "path: problem" line per issue, with zod's wording made specific. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) lines.push(`${issuePath([...path, key])}: unknown key`);
      continue;
    }
    if (issue.code === 'invalid_union' && 'discriminator' in issue && issue.discriminator) {
      const options = ((issue as { options?: unknown[] }).options ?? []).map(String).join(', ');
      lines.push(`${issuePath(path)}: must be one of ${options}`);
      continue;
    }
    let msg = issue.message.replace(/^Invalid input: /, '');
    if (issue.code === 'invalid_type' && /received undefined/.test(msg)) msg = 'is required';
    lines.push(`${issuePath(path)}: ${msg}`);
  }
  return lines;
}
