// Nightly canaries. For each schedule, tonight's transfer slope, η* at the widest width and
// fitted exponents are exported next to the same numbers of the previous nightly run, under
// the same labels. "Moved beyond a tolerance since the previous nightly run" is then a plain
// difference of two gauges in PromQL, independent of when the runs happened, of scrape gaps
// and of Prometheus retention (unlike `offset 1d`, which breaks when a run is late or skipped).
//
// The previous run is the one recorded before for the same schedule in this process, or the
// one the caller passes (the orchestrator passes the previous nightly summary it loaded from
// its store, so a restarted worker still compares against the right run).
import { Gauge, type Registry } from 'prom-client';
import { LabelledSets } from './labelled.js';
import { NIGHTLY } from './names.js';
import { scienceValues, widestOptimalLr } from './summary-values.js';

export interface NightlyRun {
  sweepId: string;
  summary: unknown;
}

export class NightlyGauges {
  private readonly sets = new LabelledSets();
  private readonly runs = new Map<string, { current: NightlyRun; previous?: NightlyRun }>();
  private readonly g: Record<keyof typeof NIGHTLY, Gauge<string>>;

  constructor(registry: Registry) {
    const registers = [registry];
    const gauge = (name: string, help: string, labelNames: string[]) => new Gauge({ name, help, labelNames, registers });
    const slopeLabels = ['schedule', 'group'];
    const lrLabels = ['schedule', 'group', 'width'];
    const expLabels = ['schedule', 'group', 'axis', 'metric'];
    this.g = {
      transferSlope: gauge(NIGHTLY.transferSlope, 'Transfer slope of the latest nightly run of a schedule.', slopeLabels),
      previousTransferSlope: gauge(NIGHTLY.previousTransferSlope, 'Transfer slope of the nightly run before the latest.', slopeLabels),
      optimalLrWidest: gauge(NIGHTLY.optimalLrWidest, 'eta* at the widest width, latest nightly run.', lrLabels),
      previousOptimalLrWidest: gauge(NIGHTLY.previousOptimalLrWidest, 'eta* at the widest width, nightly run before the latest.', lrLabels),
      exponent: gauge(NIGHTLY.exponent, 'Fitted scaling-law exponent, latest nightly run.', expLabels),
      previousExponent: gauge(NIGHTLY.previousExponent, 'Fitted scaling-law exponent, nightly run before the latest.', expLabels),
      runInfo: gauge(NIGHTLY.runInfo, 'Always 1: the sweeps behind the latest and previous nightly values of a schedule.', ['schedule', 'sweep', 'previous_sweep']),
      lastRun: gauge(NIGHTLY.lastRun, 'When the latest nightly run of a schedule was exported, unix seconds.', ['schedule']),
    };
  }

  /**
   * Records tonight's run of `schedule`. Without `previous`, the run recorded before in this
   * process is the previous one; recording the same sweep again keeps the pair unchanged.
   */
  record(schedule: string, current: NightlyRun, atMs: number, previous?: NightlyRun): void {
    const known = this.runs.get(schedule);
    let prev = previous;
    if (!prev && known) prev = known.current.sweepId === current.sweepId ? known.previous : known.current;
    this.runs.set(schedule, prev ? { current, previous: prev } : { current });
    this.sets.drop(schedule);
    this.export(schedule, current, 'current');
    if (prev) this.export(schedule, prev, 'previous');
    this.sets.set(schedule, this.g.runInfo, { schedule, sweep: current.sweepId, previous_sweep: prev?.sweepId ?? '' }, 1);
    this.sets.set(schedule, this.g.lastRun, { schedule }, atMs / 1000);
  }

  /** whether a run of `schedule` was recorded (a later run then needs no lookup) */
  has(schedule: string): boolean {
    return this.runs.has(schedule);
  }

  dropSchedule(schedule: string): void {
    this.sets.drop(schedule);
    this.runs.delete(schedule);
  }

  private export(schedule: string, run: NightlyRun, which: 'current' | 'previous'): void {
    const cur = which === 'current';
    const v = scienceValues(run.summary);
    for (const t of v.transfer) {
      if (t.slope !== undefined) this.sets.set(schedule, cur ? this.g.transferSlope : this.g.previousTransferSlope, { schedule, group: t.group }, t.slope);
      const w = widestOptimalLr(t);
      if (w) this.sets.set(schedule, cur ? this.g.optimalLrWidest : this.g.previousOptimalLrWidest, { schedule, group: t.group, width: String(w.width) }, w.lr);
    }
    for (const e of v.exponents) {
      this.sets.set(schedule, cur ? this.g.exponent : this.g.previousExponent, { schedule, group: e.group, axis: e.axis, metric: e.metric }, e.exponent);
    }
  }
}
