// What a sweep's coord check trains: one config per parametrization of the sweep (the spec's
// base values for every other axis), the widths (the sweep's width axis by default), seeds,
// steps, learning rate and tolerance.
import type { ResolvedSweep } from '../config/spec.js';
import { trialConfigSchema, type OptimizerConfig, type Parametrization, type TrialConfig } from '../config/trial.js';
import { pointConfig } from '../grid/expand.js';
import type { CoordVariant } from './test-variants.js';
import { coordCheckPreflightSchema, type CoordCheckPreflight } from './schema.js';

export const DEFAULT_WIDTHS = [64, 128, 256, 512, 1024];

export interface CoordCheckSubject {
  /** reported name: the parametrization, or a test variant's name */
  name: string;
  /** the parametrization and optimizer whose exponents the verdict expects */
  parametrization: Parametrization;
  optimizer: OptimizerConfig['kind'];
  /** trial config at the first width and seed (what the measurement trains); width and seed are set per run */
  config: TrialConfig;
  variant?: CoordVariant;
}

export interface CoordCheckPlan {
  widths: number[];
  steps: number;
  seeds: number;
  tolerance: number;
  lr: number;
  subjects: CoordCheckSubject[];
}

/** Distinct values of an axis at `path`, or [] when the sweep has no such axis. */
function axisValues(resolved: ResolvedSweep, path: string): unknown[] {
  return resolved.spec.grid.axes.find((a) => a.path === path)?.values ?? [];
}

/** The coord check of a sweep; `settings` defaults to the spec's preflight.coordCheck. */
export function coordCheckPlan(resolved: ResolvedSweep, settings?: Partial<CoordCheckPreflight>, variants: CoordVariant[] = []): CoordCheckPlan {
  const s = coordCheckPreflightSchema.parse({ ...(resolved.spec.preflight?.coordCheck ?? {}), ...(settings ?? {}) });
  const axisWidths = [...new Set(axisValues(resolved, 'model.width').filter((v): v is number => typeof v === 'number'))].sort((a, b) => a - b);
  const widths = s.widths ?? (axisWidths.length >= 2 ? axisWidths : DEFAULT_WIDTHS);
  const template = resolved.plans[0]?.config;
  const base = (p: Parametrization): TrialConfig => {
    const point: Record<string, unknown> = { 'model.width': widths[0], 'model.parametrization': p };
    const r = trialConfigSchema.safeParse(pointConfig(resolved.spec.base, point));
    const cfg = r.success ? r.data : { ...template!, model: { ...template!.model, width: widths[0], parametrization: p } };
    // the check trains ordinary steps, whatever protocol the sweep's trials follow
    // Centered (f − f_init): the first updates then do not depend on the random initial output,
    // which removes most of the seed-to-seed noise of the output measures and leaves the width
    // exponents as they are (docs/science.md §1, "Coord check").
    const out: TrialConfig = { ...cfg, model: { ...cfg.model, center: true }, optimizer: { ...cfg.optimizer, lr: s.lr ?? cfg.optimizer.lr } };
    delete out.giantStep;
    return out;
  };
  const ps = axisValues(resolved, 'model.parametrization').filter((v): v is Parametrization => typeof v === 'string');
  const names: Parametrization[] = ps.length ? [...new Set(ps)] : [template?.model.parametrization ?? 'mup'];
  const subject = (name: string, p: Parametrization, variant?: CoordVariant): CoordCheckSubject => {
    const config = base(p);
    return { name, parametrization: p, optimizer: config.optimizer.kind, config, ...(variant ? { variant } : {}) };
  };
  const subjects: CoordCheckSubject[] = names.map((p) => subject(p, p));
  for (const v of variants) subjects.push(subject(v.name, v.base, v));
  return { widths, steps: s.steps, seeds: s.seeds, tolerance: s.tolerance, lr: subjects[0].config.optimizer.lr, subjects };
}
