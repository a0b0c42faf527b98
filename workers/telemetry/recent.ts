// A bounded set of recently active keys (sweeps, nightly schedules): touching a key makes it
// the most recent; when more than `capacity` keys are held, the least recently touched is
// evicted and its series are removed. This is what keeps per-sweep series bounded however
// many sweeps a long-running worker sees.
import { LRUCache } from 'lru-cache';

export class RecentKeys {
  private readonly order: LRUCache<string, true>;

  constructor(readonly capacity: number, onEvict: (key: string) => void) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`telemetry: capacity must be a whole number >= 1, got ${capacity}`);
    this.order = new LRUCache<string, true>({ max: capacity, dispose: (_v, key, reason) => { if (reason === 'evict') onEvict(key); } });
  }

  /** Marks `key` as most recently active, evicting the oldest keys beyond capacity. */
  touch(key: string): void {
    this.order.set(key, true);
  }

  has(key: string): boolean {
    return this.order.has(key);
  }

  /** least recently touched first */
  keys(): string[] {
    return [...this.order.rkeys()];
  }

  get size(): number {
    return this.order.size;
  }
}

/**
 * Caps the distinct values of a free-form label (error kinds): the first `max` values are kept,
 * later ones are reported as "other", and every value is reduced to a short identifier.
 */
export class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(private readonly max: number) {}

  value(raw: string): string {
    const v = String(raw).toLowerCase().replace(/[^a-z0-9_.:-]+/g, '_').slice(0, 40) || 'unknown';
    if (this.seen.has(v)) return v;
    if (this.seen.size >= this.max) return 'other';
    this.seen.add(v);
    return v;
  }
}
