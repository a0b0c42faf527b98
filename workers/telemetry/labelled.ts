// Remembers which label sets were set on which gauges under one owner key (a sweep, a
// schedule), so that all of them can be removed together when the owner is replaced or evicted.
import type { Gauge } from 'prom-client';

type AnyGauge = Gauge<string>;

export class LabelledSets {
  private readonly byOwner = new Map<string, { gauge: AnyGauge; labels: Record<string, string> }[]>();

  set(owner: string, gauge: AnyGauge, labels: Record<string, string>, value: number): void {
    gauge.set(labels, value);
    let sets = this.byOwner.get(owner);
    if (!sets) this.byOwner.set(owner, (sets = []));
    sets.push({ gauge, labels });
  }

  drop(owner: string): void {
    for (const { gauge, labels } of this.byOwner.get(owner) ?? []) gauge.remove(labels);
    this.byOwner.delete(owner);
  }

  owners(): string[] {
    return [...this.byOwner.keys()];
  }
}
