// Which trials a sweep planned, as the aggregator needs to know it: a message of a trial the
// sweep never planned (a `finished` for a made-up trial id) is refused. The plans live in the
// SWEEP_PLANS object store (plans.ts) and are stored before any of their trials starts, so a
// list of plans loaded after a message was stored holds that message's trial if it is real.
// Ids are cached per sweep; an unknown id makes the list load again (one load per sweep at a
// time, not more often than minReloadMs), waiting until the load is later than the message.
import type { NatsConnection } from '@nats-io/transport-node';
import { LRUCache } from 'lru-cache';
import { PlanStore } from './plans.js';
import { sleep } from '../core/sleep.js';

/** planned; a trial the sweep's stored plans do not hold; a sweep with no stored plan at all */
export type Membership = 'planned' | 'unknown-trial' | 'no-plan';

export interface PlannedTrialsOptions {
  /** allowed difference between this host's clock and the server's (default 1 s) */
  clockMarginMs?: number;
  /** least time between two loads of one sweep's plans (default 250 ms) */
  minReloadMs?: number;
  /** how long "this sweep has no stored plan" is believed (default 5 s) */
  noPlanMs?: number;
  /** sweeps whose plans are cached (default 1000) */
  maxSweeps?: number;
  now?: () => number;
}

interface Entry {
  /** ids of the planned trials, or undefined when the sweep has no stored plan */
  trials: Set<string> | undefined;
  /** when the load that produced this entry started (ms, this host's clock) */
  loadedAt: number;
}

export class PlannedTrials {
  private readonly cache: LRUCache<string, Entry>;
  private readonly loading = new Map<string, Promise<Entry>>();
  private readonly margin: number;
  private readonly minReload: number;
  private readonly noPlan: number;
  private readonly now: () => number;

  constructor(private readonly load: (sweepId: string) => Promise<Set<string> | undefined>, opts: PlannedTrialsOptions = {}) {
    this.cache = new LRUCache({ max: opts.maxSweeps ?? 1000 });
    this.margin = opts.clockMarginMs ?? 1000;
    this.minReload = opts.minReloadMs ?? 250;
    this.noPlan = opts.noPlanMs ?? 5000;
    this.now = opts.now ?? Date.now;
  }

  /** Reads plans from the SWEEP_PLANS object store of `nc`. */
  static async open(nc: NatsConnection, opts?: PlannedTrialsOptions): Promise<PlannedTrials> {
    const store = await PlanStore.open(nc);
    return new PlannedTrials(async (sweepId) => {
      if ((await store.spec(sweepId)) === undefined) return undefined;
      return new Set((await store.allPlans(sweepId)).map((p) => p.id));
    }, opts);
  }

  /** Whether `trialId` is a trial of `sweepId`, for a message the server stored at `storedAtMs`. */
  async check(sweepId: string, trialId: string, storedAtMs: number): Promise<Membership> {
    for (;;) {
      const e = this.cache.get(sweepId) ?? (await this.reload(sweepId, 0));
      if (e.trials?.has(trialId)) return 'planned';
      if (!e.trials) {
        if (this.now() - e.loadedAt < this.noPlan) return 'no-plan';
        await this.reload(sweepId, 0); // believed long enough: ask again, at once
        continue;
      }
      if (e.loadedAt >= storedAtMs + this.margin) return 'unknown-trial'; // loaded after the message was stored: never planned
      // The plans may have grown since (a new round): load again once that can decide.
      await this.reload(sweepId, Math.max(storedAtMs + this.margin, e.loadedAt + this.minReload));
    }
  }

  /** Loads the sweep's plans, starting no earlier than `notBefore`; concurrent callers share it. */
  private reload(sweepId: string, notBefore: number): Promise<Entry> {
    const pending = this.loading.get(sweepId);
    if (pending) return pending;
    const p = (async () => {
      try {
        const wait = notBefore - this.now();
        if (wait > 0) await sleep(wait);
        const loadedAt = this.now();
        const entry: Entry = { trials: await this.load(sweepId), loadedAt };
        this.cache.set(sweepId, entry);
        return entry;
      } finally {
        this.loading.delete(sweepId);
      }
    })();
    this.loading.set(sweepId, p);
    return p;
  }
}
