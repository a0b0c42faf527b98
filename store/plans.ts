// Where a sweep's plan lives: the spec and each planning round's trials, in pages, in the
// SWEEP_PLANS object store. The workflow reads one page at a time, so its history holds only
// the trials it is about to start, whatever the size of the sweep.
import type { NatsConnection } from '@nats-io/transport-node';
import type { ObjectStore } from '@nats-io/obj';
import type { TrialPlan } from '../core/search/strategy.js';
import type { AnyTrialConfig } from '../core/config/command-trial.js';
import type { PlanInfo } from '../workflows/types.js';
import { openPlansStore } from './buckets.js';

export const PAGE_SIZE = 100;

const enc = new TextEncoder();
const dec = new TextDecoder();

export const specObject = (sweepId: string) => `${sweepId}/spec.json`;
export const roundObject = (sweepId: string, round: number) => `${sweepId}/round-${round}/index.json`;
export const pageObject = (sweepId: string, round: number, page: number) => `${sweepId}/round-${round}/page-${page}.json`;

export class PlanStore {
  private constructor(private readonly os: ObjectStore) {}

  static async open(nc: NatsConnection): Promise<PlanStore> {
    return new PlanStore(await openPlansStore(nc));
  }

  async getJson<T>(name: string): Promise<T | undefined> {
    const data = await this.os.getBlob(name);
    return data ? (JSON.parse(dec.decode(data)) as T) : undefined;
  }

  async putJson(name: string, value: unknown): Promise<void> {
    await this.os.putBlob({ name }, enc.encode(JSON.stringify(value)));
  }

  spec(sweepId: string): Promise<unknown> {
    return this.getJson(specObject(sweepId));
  }

  round(sweepId: string, round: number): Promise<PlanInfo | undefined> {
    return this.getJson<PlanInfo>(roundObject(sweepId, round));
  }

  async page(sweepId: string, round: number, page: number): Promise<TrialPlan<AnyTrialConfig>[]> {
    const plans = await this.getJson<TrialPlan<AnyTrialConfig>[]>(pageObject(sweepId, round, page));
    if (!plans) throw new Error(`plan page ${page} of round ${round} of sweep ${sweepId} is missing`);
    return plans;
  }

  /** Stores a round: pages first, the index last, so an index always means a complete round. */
  async putRound(sweepId: string, info: PlanInfo, plans: TrialPlan<AnyTrialConfig>[]): Promise<void> {
    for (let p = 0; p * info.pageSize < plans.length; p++) {
      await this.putJson(pageObject(sweepId, info.round, p), plans.slice(p * info.pageSize, (p + 1) * info.pageSize));
    }
    await this.putJson(roundObject(sweepId, info.round), info);
  }

  /** Every trial planned by the sweep so far, in plan order (rounds 0, 1, ...). */
  async allPlans(sweepId: string): Promise<TrialPlan<AnyTrialConfig>[]> {
    const out: TrialPlan<AnyTrialConfig>[] = [];
    for (let r = 0; ; r++) {
      const info = await this.round(sweepId, r);
      if (!info) break;
      for (let p = 0; p * info.pageSize < info.count; p++) out.push(...(await this.page(sweepId, r, p)));
    }
    return out;
  }
}
