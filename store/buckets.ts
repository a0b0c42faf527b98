// KV buckets and object stores of the cluster mode, and how keys are formed. KV keys allow only
// [-/_=.A-Za-z0-9]; sweep ids of scheduled runs contain ':' (Temporal appends an RFC 3339 time),
// so keys encode ':' as '=' (which sweep ids never contain), keeping the mapping reversible.
import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { StorageType } from '@nats-io/jetstream';
import { checkSweepId } from '../core/sweep-id.js';

/** per-trial summaries kept by the aggregator; key `<sweep>.<trial>` */
export const TRIALS_BUCKET = 'SWEEP_TRIALS';
/** summary.json of finished sweeps; key `<sweep>` */
export const SUMMARIES_BUCKET = 'SWEEP_SUMMARIES';
/** the output folder of finished sweeps (report.html, trials.jsonl, ...); name `<sweep>/<file>` */
export const REPORTS_STORE = 'SWEEP_REPORTS';
/** the trials planned by a sweep, one object per planning round; name `<sweep>/round-<n>.json` */
export const PLANS_STORE = 'SWEEP_PLANS';

/** object name of one file of a sweep's output folder in REPORTS_STORE */
export const reportObject = (sweepId: string, file: string) => `${sweepId}/${file}`;

export function sweepKey(sweepId: string): string {
  return checkSweepId(sweepId).replaceAll(':', '=');
}

export function sweepIdFromKey(key: string): string {
  return key.replaceAll('=', ':');
}

export function trialKey(sweepId: string, trialId: string): string {
  return `${sweepKey(sweepId)}.${trialId}`;
}

async function kv(nc: NatsConnection, name: string, description: string): Promise<KV> {
  // create() binds to an existing bucket with the same name.
  return new Kvm(nc).create(name, { history: 1, storage: StorageType.File, description });
}

export const openTrialsKv = (nc: NatsConnection) => kv(nc, TRIALS_BUCKET, 'per-trial summaries kept by the aggregator');
export const openSummariesKv = (nc: NatsConnection) => kv(nc, SUMMARIES_BUCKET, 'summary.json of finished sweeps');

async function store(nc: NatsConnection, name: string, description: string): Promise<ObjectStore> {
  return new Objm(nc).create(name, { storage: StorageType.File, description });
}

export const openReportsStore = (nc: NatsConnection) => store(nc, REPORTS_STORE, 'output folders of finished sweeps');
export const openPlansStore = (nc: NatsConnection) => store(nc, PLANS_STORE, 'planned trials of each sweep, by round');
