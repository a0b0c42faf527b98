// Per-sweep science gauges from the sweep's summary: transfer slope and gap, η* per width,
// fitted exponents and sharpness spread. Re-exporting a sweep replaces its label sets; a sweep
// leaving the window of recent sweeps takes all of them along.
import { Gauge, type Registry } from 'prom-client';
import { LabelledSets } from './labelled.js';
import { SCIENCE } from './names.js';
import { scienceValues } from './summary-values.js';

/** Verdict per parametrization from summary.json's coordCheck[] (every entry ok). */
export function coordCheckVerdicts(summary: unknown): Map<string, boolean> {
  const out = new Map<string, boolean>();
  const entries = (summary as { coordCheck?: unknown } | null)?.coordCheck;
  if (!Array.isArray(entries)) return out;
  for (const e of entries as { parametrization?: unknown; ok?: unknown }[]) {
    if (typeof e?.parametrization !== 'string') continue;
    out.set(e.parametrization, (out.get(e.parametrization) ?? true) && e.ok === true);
  }
  return out;
}

export class SweepScienceGauges {
  private readonly sets = new LabelledSets();
  private readonly slope: Gauge<string>;
  private readonly gap: Gauge<string>;
  private readonly optimalLr: Gauge<string>;
  private readonly exponent: Gauge<string>;
  private readonly spread: Gauge<string>;
  private readonly analyzedAt: Gauge<string>;
  private readonly coordCheck: Gauge<string>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.slope = new Gauge({ name: SCIENCE.transferSlope, help: 'Learning-rate transfer slope d log eta* / d log width, per sweep and group (docs/science.md section 4.1).', labelNames: ['sweep', 'group'], registers });
    this.gap = new Gauge({ name: SCIENCE.transferGap, help: 'Relative loss excess at the widest width when using the narrowest width\'s eta* (docs/science.md section 4.1).', labelNames: ['sweep', 'group'], registers });
    this.optimalLr = new Gauge({ name: SCIENCE.optimalLr, help: 'Optimal learning rate eta* per width, per sweep and group (docs/science.md section 4.1).', labelNames: ['sweep', 'group', 'width'], registers });
    this.exponent = new Gauge({ name: SCIENCE.exponent, help: 'Fitted scaling-law exponent, per sweep, group, axis and metric (docs/science.md section 4.3).', labelNames: ['sweep', 'group', 'axis', 'metric'], registers });
    this.spread = new Gauge({ name: SCIENCE.sharpnessSpread, help: 'Super-consistency spread of sharpness across widths, small = consistent (docs/science.md section 4.2).', labelNames: ['sweep', 'group'], registers });
    this.coordCheck = new Gauge({ name: SCIENCE.coordCheckOk, help: 'Coord-check preflight verdict per sweep and parametrization: 1 passed, 0 failed (docs/science.md section 1, Coord check).', labelNames: ['sweep', 'parametrization'], registers });
    this.analyzedAt = new Gauge({ name: SCIENCE.analyzedAt, help: 'When the sweep\'s analysis was exported, unix seconds.', labelNames: ['sweep'], registers });
  }

  record(sweep: string, summary: unknown, atMs: number): void {
    this.sets.drop(sweep);
    const v = scienceValues(summary);
    for (const t of v.transfer) {
      if (t.slope !== undefined) this.sets.set(sweep, this.slope, { sweep, group: t.group }, t.slope);
      if (t.gap !== undefined) this.sets.set(sweep, this.gap, { sweep, group: t.group }, t.gap);
      for (const o of t.optimalLr) this.sets.set(sweep, this.optimalLr, { sweep, group: t.group, width: String(o.width) }, o.lr);
    }
    for (const e of v.exponents) this.sets.set(sweep, this.exponent, { sweep, group: e.group, axis: e.axis, metric: e.metric }, e.exponent);
    for (const s of v.spread) this.sets.set(sweep, this.spread, { sweep, group: s.group }, s.spread);
    for (const [parametrization, ok] of coordCheckVerdicts(summary)) this.sets.set(sweep, this.coordCheck, { sweep, parametrization }, ok ? 1 : 0);
    this.sets.set(sweep, this.analyzedAt, { sweep }, atMs / 1000);
  }

  dropSweep(sweep: string): void {
    this.sets.drop(sweep);
  }
}
