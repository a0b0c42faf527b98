// Garbage collection of trial Jobs whose sweep is over. Finished Jobs normally disappear by
// ttlSecondsAfterFinished; this removes what that does not cover: Jobs (running or not) of
// sweeps that finished, were cancelled or terminated, or vanished (e.g. their workflow history
// is gone), left behind by a crashed worker or a cancellation that could not complete. It reads
// the shared watch's cache (no list call) and asks a liveness function about each sweep.
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { KubernetesExecutor } from './executor.js';
import { apiStatus } from './kube-api.js';
import { ANNOTATIONS } from './names.js';

/** running: keep its Jobs; over: finished, cancelled or vanished; unknown: keep and ask again later */
export type SweepState = 'running' | 'over' | 'unknown';
export type SweepLiveness = (sweepId: string) => Promise<SweepState>;

/** A sweep id is its workflow id: RUNNING keeps its Jobs, any closed status or no workflow ends them. */
export function temporalSweepLiveness(client: Client): SweepLiveness {
  return async (sweepId) => {
    try {
      const d = await client.workflow.getHandle(sweepId).describe();
      return d.status.name === 'RUNNING' || d.status.name === 'PAUSED' ? 'running' : 'over';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return 'over';
      return 'unknown';
    }
  };
}

export interface JobGcOptions {
  namespace: string;
  liveness: SweepLiveness;
  /** Jobs younger than this are never collected (a sweep may be starting), default 10 min */
  minAgeMs?: number;
  /** period of start(), default 5 min */
  intervalMs?: number;
  /** collect only once this worker watches the namespace (it has run trials there) */
  onlyIfWatching?: boolean;
}

export interface GcPass {
  /** Jobs deleted in this pass */
  deleted: string[];
  /** sweeps whose state could not be determined */
  unknown: string[];
}

export class JobGarbageCollector {
  private timer?: NodeJS.Timeout;
  private running?: Promise<GcPass>;
  /** aborts a pass still waiting for the API server when the collector stops */
  private readonly stopping = new AbortController();

  constructor(private readonly executor: KubernetesExecutor, private readonly opts: JobGcOptions) {}

  /** One pass over the namespace's trial Jobs. */
  async collect(now = Date.now(), signal?: AbortSignal): Promise<GcPass> {
    if (this.opts.onlyIfWatching && !this.executor.watching(this.opts.namespace)) return { deleted: [], unknown: [] };
    const hub = this.executor.hub(this.opts.namespace);
    await hub.ready(signal);
    const minAge = this.opts.minAgeMs ?? 10 * 60_000;
    const bySweep = new Map<string, string[]>();
    for (const job of hub.allJobs()) {
      const sweep = job.metadata?.annotations?.[ANNOTATIONS.sweepId];
      const name = job.metadata?.name;
      const created = job.metadata?.creationTimestamp ? new Date(job.metadata.creationTimestamp).getTime() : now;
      if (!sweep || !name || job.metadata?.deletionTimestamp || now - created < minAge) continue;
      bySweep.set(sweep, [...(bySweep.get(sweep) ?? []), name]);
    }
    const pass: GcPass = { deleted: [], unknown: [] };
    for (const [sweep, jobs] of bySweep) {
      if (signal?.aborted) break;
      const state = await this.opts.liveness(sweep);
      if (state === 'unknown') pass.unknown.push(sweep);
      if (state !== 'over') continue;
      for (const name of jobs) {
        try {
          await this.executor.deleteJob(name, this.opts.namespace, 'Background');
          pass.deleted.push(name);
        } catch (err) {
          if (apiStatus(err) !== 404) pass.unknown.push(sweep);
        }
      }
    }
    return pass;
  }

  /** Collects every intervalMs until stop(); passes never overlap. */
  start(onPass?: (p: GcPass) => void, onError?: (e: unknown) => void): void {
    const run = () => {
      if (this.running) return;
      this.running = this.collect(Date.now(), this.stopping.signal);
      this.running.then((p) => onPass?.(p), (e) => { if (!this.stopping.signal.aborted) onError?.(e); }).finally(() => { this.running = undefined; });
    };
    this.timer = setInterval(run, this.opts.intervalMs ?? 5 * 60_000);
    this.timer.unref();
  }

  /** Stops the timer and ends a pass in progress (one waiting for an unreachable API server too). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.stopping.abort();
    await this.running?.catch(() => undefined);
  }
}
