// The `grid` section of a spec: axes (dotted path → values) and `zip` groups of axes that vary
// together. Points are numbered in a fixed order: groups in written order, the first slowest.
import { axisValues, type AxisValues } from './axes.js';
import { MAX_GRID_AXES, RESERVED_KEYS } from '../config/spec-limits.js';
import { isPlainObject, isUnder, splitPath } from './paths.js';

export interface Axis extends AxisValues {
  /** dotted path into the trial config, e.g. "model.width" */
  path: string;
  /** where the axis is written in the spec, e.g. "grid.zip[0].model.width" */
  where: string;
}

/** One factor of the product: a single axis, or a zip group whose axes advance together. */
export interface AxisGroup {
  axes: Axis[];
  size: number;
  /** index of the zip group in `grid.zip`, for zipped axes */
  zip?: number;
}

export interface Grid {
  groups: AxisGroup[];
  /** every axis, in written order */
  axes: Axis[];
  /** number of grid points (product of the group sizes; 1 for an empty grid) */
  size: number;
}

const PATH_RE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

function readAxis(path: string, raw: unknown, where: string, problems: string[]): Axis | undefined {
  if (!PATH_RE.test(path)) {
    problems.push(`${where}: not a dotted path into the trial config (e.g. model.width)`);
    return undefined;
  }
  const reserved = splitPath(path).find((k) => RESERVED_KEYS.has(k));
  if (reserved) {
    problems.push(`${where}: "${reserved}" cannot be a key (it names the object prototype)`);
    return undefined;
  }
  const v = axisValues(raw, where, problems);
  return v && { ...v, path, where };
}

function readZip(raw: unknown, problems: string[]): AxisGroup[] {
  if (!Array.isArray(raw)) {
    problems.push('grid.zip: must be a list of groups, each a mapping of axes that vary together');
    return [];
  }
  const groups: AxisGroup[] = [];
  raw.forEach((group, gi) => {
    const at = `grid.zip[${gi}]`;
    if (!isPlainObject(group)) {
      problems.push(`${at}: must be a mapping of axes that vary together`);
      return;
    }
    const entries = Object.entries(group);
    if (entries.length === 0) {
      problems.push(`${at}: empty zip group`);
      return;
    }
    const axes: Axis[] = [];
    for (const [path, values] of entries) {
      if (path === 'zip') {
        problems.push(`${at}.zip: zip groups cannot be nested`);
        continue;
      }
      const axis = readAxis(path, values, `${at}.${path}`, problems);
      if (axis) axes.push(axis);
    }
    if (axes.length !== entries.length) return;
    const lengths = new Set(axes.map((a) => a.values.length));
    if (lengths.size > 1) {
      problems.push(`${at}: zipped axes must have equal lengths (${axes.map((a) => `${a.path} has ${a.values.length}`).join(', ')})`);
      return;
    }
    groups.push({ axes, size: axes[0].values.length, zip: gi });
  });
  return groups;
}

/** Axes written in a grid section, zipped ones included, before any is read. */
function countAxes(raw: Record<string, unknown>): number {
  let n = 0;
  for (const [key, value] of Object.entries(raw)) {
    if (key !== 'zip') n++;
    else if (Array.isArray(value)) for (const g of value) n += isPlainObject(g) ? Math.max(1, Object.keys(g).length) : 1;
  }
  return n;
}

/** Reads the grid section; problems (each "path: what is wrong") are pushed onto `problems`. */
export function parseGrid(raw: unknown, problems: string[]): Grid {
  const groups: AxisGroup[] = [];
  if (raw !== undefined && raw !== null) {
    if (!isPlainObject(raw)) {
      problems.push('grid: must be a mapping of dotted paths to lists of values');
    } else if (countAxes(raw) > MAX_GRID_AXES) {
      problems.push(`grid: ${countAxes(raw)} axes is more than the ${MAX_GRID_AXES} a grid may have`);
    } else {
      for (const [key, value] of Object.entries(raw)) {
        if (key === 'zip') {
          groups.push(...readZip(value, problems));
          continue;
        }
        const axis = readAxis(key, value, `grid.${key}`, problems);
        if (axis) groups.push({ axes: [axis], size: axis.values.length });
      }
    }
  }
  const axes = groups.flatMap((g) => g.axes);
  // An axis may appear once, and never inside another axis (model and model.width).
  axes.forEach((a, i) => {
    for (const b of axes.slice(0, i)) {
      if (a.path === b.path) problems.push(`${a.where}: duplicate axis (also at ${b.where})`);
      else if (isUnder(a.path, b.path) || isUnder(b.path, a.path)) {
        problems.push(`${a.where}: overlaps axis ${b.path} (at ${b.where}); an axis and a key inside it cannot both vary`);
      }
    }
  });
  return { groups, axes, size: groups.reduce((n, g) => n * g.size, 1) };
}

/** The axis values of grid point `index` (0 ≤ index < size), by dotted path. */
export function gridPoint(grid: Grid, index: number): Record<string, unknown> {
  const point: Record<string, unknown> = {};
  let rest = index;
  // last group fastest: peel digits from the end
  const digits = new Array<number>(grid.groups.length);
  for (let g = grid.groups.length - 1; g >= 0; g--) {
    const size = grid.groups[g].size;
    digits[g] = rest % size;
    rest = Math.floor(rest / size);
  }
  grid.groups.forEach((group, g) => {
    for (const axis of group.axes) point[axis.path] = axis.values[digits[g]];
  });
  return point;
}

/** "model.width=64 optimizer.lr=0.1": a grid point as people read it in messages. */
export function describePoint(point: Record<string, unknown>): string {
  const parts = Object.entries(point).map(([k, v]) => `${k}=${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`);
  return parts.length ? parts.join(' ') : '(the base config)';
}
