// Dotted paths into a trial config ("model.width", "task.base.inputDim", "seed"): reading,
// setting without touching shared objects, and checking that a path names a real config key.
import type { z } from 'zod';

export type Json = Record<string, unknown>;

export const isPlainObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function splitPath(path: string): string[] {
  return path.split('.');
}

export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of splitPath(path)) {
    if (!isPlainObject(cur) || !Object.hasOwn(cur, key)) return undefined;
    cur = cur[key];
  }
  return cur;
}

/**
 * A copy of `obj` with `path` set to `value`. Only the objects along the path are copied, so
 * one base config can be shared by thousands of grid points. A missing or non-object step is
 * replaced by a fresh object (the schema check reports a base that had a non-object there).
 */
export function setPath(obj: Json, path: string | readonly string[], value: unknown): Json {
  const keys = typeof path === 'string' ? splitPath(path) : path;
  const root: Json = { ...obj };
  let cur = root;
  // `__proto__` is defined, not assigned: assigning it would replace the prototype (only this
  // key has an inherited setter; assignment is the fast path for every other key)
  const put = (o: Json, k: string, v: unknown) => {
    if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
    else o[k] = v;
  };
  for (let i = 0; i < keys.length - 1; i++) {
    const next = Object.hasOwn(cur, keys[i]) ? cur[keys[i]] : undefined;
    const copy: Json = isPlainObject(next) ? { ...next } : {};
    put(cur, keys[i], copy);
    cur = copy;
  }
  put(cur, keys[keys.length - 1], value);
  return root;
}

/** True when `inner` is `outer` or lies below it ("model.width" is under "model"). */
export function isUnder(inner: string, outer: string): boolean {
  return inner === outer || inner.startsWith(`${outer}.`);
}

// ---- schema walk -------------------------------------------------------------------------
// zod 4 keeps each schema's definition in `_zod.def`; wrappers (default, optional, ...) hold
// the wrapped schema in `innerType`, discriminated unions list their `options`.

type AnySchema = z.core.$ZodType;
interface Def {
  type: string;
  shape?: Record<string, AnySchema>;
  innerType?: AnySchema;
  in?: AnySchema;
  options?: AnySchema[];
  discriminator?: string;
  values?: unknown[];
}
const defOf = (s: AnySchema): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

function unwrap(s: AnySchema): AnySchema {
  let cur = s;
  for (;;) {
    const d = defOf(cur);
    if (d.innerType && ['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch', 'nonoptional'].includes(d.type)) cur = d.innerType;
    else if (d.type === 'pipe' && d.in) cur = d.in;
    else return cur;
  }
}

function literalOf(option: AnySchema, key: string): unknown[] {
  const shape = defOf(unwrap(option)).shape;
  const lit = shape?.[key] ? defOf(unwrap(shape[key])) : undefined;
  return lit?.type === 'literal' ? (lit.values ?? []) : [];
}

/**
 * Why `path` is not a key of the config described by `schema`, or undefined when it is.
 * `sample` is a config the path is read against: a discriminated union (task kinds,
 * optimizers) is narrowed to the variant its discriminator names there, so `task.harmonics`
 * is refused for a teacher-mlp task; if the discriminator is not fixed, any variant counts.
 */
export function pathProblem(schema: AnySchema, path: string, sample: unknown, varying: (p: string) => boolean = () => false): string | undefined {
  const keys = splitPath(path);
  let cur: AnySchema = schema;
  let value: unknown = sample;
  const walked: string[] = [];
  for (const key of keys) {
    const def = defOf(unwrap(cur));
    const here = walked.length ? walked.join('.') : 'the trial config';
    let candidates: AnySchema[];
    if (def.type === 'object') candidates = [unwrap(cur)];
    else if (def.type === 'union' && def.options) {
      const disc = def.discriminator;
      const chosen = disc && isPlainObject(value) && !varying([...walked, disc].join('.')) ? value[disc] : undefined;
      const matching = chosen === undefined ? [] : def.options.filter((o) => literalOf(o, disc!).includes(chosen));
      candidates = matching.length ? matching : def.options;
    } else {
      return `not a trial config key (${here} has no keys)`;
    }
    // own keys only: `constructor` or `__proto__` are properties of every shape object, not config keys
    const found = candidates.map((c) => defOf(unwrap(c)).shape).find((sh) => sh !== undefined && Object.hasOwn(sh, key))?.[key];
    if (!found) {
      const known = [...new Set(candidates.flatMap((c) => Object.keys(defOf(unwrap(c)).shape ?? {})))];
      const which = candidates.length === 1 && def.type === 'union' && def.discriminator
        ? `${here} of ${def.discriminator} ${String(literalOf(candidates[0], def.discriminator)[0])}`
        : here;
      return `not a trial config key (${which} has ${known.join(', ')})`;
    }
    cur = found;
    walked.push(key);
    value = isPlainObject(value) && Object.hasOwn(value, key) ? value[key] : undefined;
  }
  return undefined;
}
