// The shape of parsed spec data, checked before any schema sees it: how many values, how deep,
// and no key that names a prototype (`__proto__`, `constructor`, `prototype`). The walk is
// iterative and stops at the first limit, so hostile data costs at most MAX_SPEC_NODES steps.
import { issuePath } from './errors.js';
import { MAX_SPEC_DEPTH, MAX_SPEC_NODES, RESERVED_KEYS } from './spec-limits.js';

/** Problems with the shape of `raw` ("path: problem"); [] when it is within every limit. */
export function shapeProblems(raw: unknown): string[] {
  const problems: string[] = [];
  const stack: { value: unknown; path: PropertyKey[] }[] = [{ value: raw, path: [] }];
  let nodes = 0;
  while (stack.length) {
    const { value, path } = stack.pop()!;
    if (++nodes > MAX_SPEC_NODES) {
      return [`(top level): more than ${MAX_SPEC_NODES} values (the limit for a spec); use generators such as {logspace: [from, to, num]} for long axes`];
    }
    if (typeof value !== 'object' || value === null) continue;
    if (path.length >= MAX_SPEC_DEPTH) {
      return [`${issuePath(path)}: nested more than ${MAX_SPEC_DEPTH} levels deep (the limit for a spec)`];
    }
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: [...path, i] });
      continue;
    }
    // own keys only: JSON.parse and YAML create `__proto__` as an own key
    const keys = Object.keys(value);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i];
      if (RESERVED_KEYS.has(key)) problems.push(`${issuePath([...path, key])}: "${key}" cannot be a key (it names the object prototype)`);
      else stack.push({ value: (value as Record<string, unknown>)[key], path: [...path, key] });
    }
  }
  return problems;
}
