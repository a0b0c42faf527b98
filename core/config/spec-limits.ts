// How large a spec may be. Every limit is checked before the part it guards is built, so a
// spec over a limit is refused in well under a second with the limit named, instead of
// exhausting memory while parsing or expanding it (a typo such as a list of 6·10⁶ values).

/** Bytes of spec text; checked before the file is read whole. Long axes belong in generators. */
export const MAX_SPEC_BYTES = 1024 * 1024;
/** Values (scalars, lists, mappings) in a spec, counted in the text before it is parsed and again after aliases are expanded. */
export const MAX_SPEC_NODES = 200_000;
/** Nesting of lists and mappings. A trial config is about 4 deep; grid values of whole sections add a few. */
export const MAX_SPEC_DEPTH = 32;
/**
 * YAML aliases (`*a`): the yaml package refuses a document whose alias expansions exceed this
 * count weighted by the size of what they point to (the "billion laughs" expansion).
 */
export const MAX_ALIAS_COUNT = 100;
/** Axes of a grid, zipped ones included (each is checked against every other for overlaps). */
export const MAX_GRID_AXES = 64;
/** Values of one grid axis, listed or generated. */
export const MAX_AXIS_VALUES = 100_000;
/** Object keys that would reach a prototype when set by path; never config keys. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
