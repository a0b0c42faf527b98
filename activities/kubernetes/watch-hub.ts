// One shared watch of trial Jobs and their pods per worker process and namespace (not one per
// Job): two list+watch informers filtered by the managed-by label feed an in-memory index, and
// each running trial subscribes to the Job it follows. client-node's informer stops on any
// error other than 410 Gone; the hub restarts it with backoff, so a restarting API server only
// delays events. Deleted pods are remembered while their Job is followed: a pod that vanished
// (evicted through the API, preempted, lost with its node) still explains why its Job failed.
import { ListWatch, Watch, type V1Job, type V1Pod } from '@kubernetes/client-node';
import { describeApiError, type KubeApi } from './kube-api.js';
import { LABELS, MANAGED_SELECTOR } from './names.js';
import { pause } from '../../core/sleep.js';

export interface JobView {
  name: string;
  job?: V1Job;
  /** the Job was seen being deleted (it is gone) */
  jobDeleted: boolean;
  /** live pods of the Job, oldest first */
  pods: V1Pod[];
  /** last known state of pods that were deleted while the Job was followed, oldest first */
  deletedPods: V1Pod[];
}

export type JobListener = (view: JobView) => void;

export class WatchRefusedError extends Error {}

export interface WatchHubOptions {
  restartMinMs?: number;
  restartMaxMs?: number;
}

const DELETED_KEPT = 5;

const created = (o: { metadata?: { creationTimestamp?: Date | string } }) => {
  const t = o.metadata?.creationTimestamp;
  return t ? new Date(t).getTime() : 0;
};

class RestartingInformer<T extends { metadata?: { name?: string } }> {
  readonly informer: ListWatch<T>;
  listed = false;
  connected = false;
  private delay: number;
  private startedAt = 0;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly readyWaiters: Array<() => void> = [];
  /** errors seen (restarts), for diagnostics */
  errors = 0;
  lastError = '';
  /** HTTP status of the last error (403: the worker may not list or watch here) */
  lastStatus?: number;

  constructor(what: string, path: string, private readonly api: KubeApi,
    list: () => Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>,
    private readonly opts: Required<WatchHubOptions>) {
    this.delay = opts.restartMinMs;
    const listFn = async () => {
      const res = await list();
      this.listed = true;
      for (const w of this.readyWaiters.splice(0)) w();
      return res as never;
    };
    this.informer = new ListWatch<T>(path, new Watch(api.kc), listFn, false, MANAGED_SELECTOR);
    // each (re)connection is one list or watch request to the API server
    this.informer.on('connect', () => {
      this.connected = true;
      this.api.calls.set(`watch ${what}`, (this.api.calls.get(`watch ${what}`) ?? 0) + 1);
    });
    this.informer.on('error', (err: unknown) => {
      this.connected = false;
      this.errors++;
      this.lastError = describeApiError(err);
      const e = err as { code?: unknown; statusCode?: unknown };
      this.lastStatus = typeof e?.code === 'number' ? e.code : typeof e?.statusCode === 'number' ? e.statusCode : undefined;
      if (this.stopped) return;
      this.api.failed(`watch ${what}`, err);
      // a watch that ran for a while before failing starts over with a short delay
      if (Date.now() - this.startedAt > 10_000) this.delay = this.opts.restartMinMs;
      const wait = this.delay;
      this.delay = Math.min(this.opts.restartMaxMs, this.delay * 2);
      this.timer = setTimeout(() => this.start(), wait);
    });
  }

  start(): void {
    if (this.stopped) return;
    this.startedAt = Date.now();
    void this.informer.start();
  }

  whenListed(signal?: AbortSignal): Promise<void> {
    if (this.listed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      if (signal?.aborted) { reject(signal.reason); return; }
      const done = () => { signal?.removeEventListener('abort', onAbort); resolve(); };
      const onAbort = () => {
        const i = this.readyWaiters.indexOf(done);
        if (i >= 0) this.readyWaiters.splice(i, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.readyWaiters.push(done);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.informer.stop();
  }
}

export class JobWatchHub {
  private readonly jobs: RestartingInformer<V1Job>;
  private readonly pods: RestartingInformer<V1Pod>;
  private readonly podsByJob = new Map<string, Map<string, V1Pod>>();
  private readonly listeners = new Map<string, Set<JobListener>>();
  private readonly deleted = new Map<string, V1Pod[]>();
  private readonly jobGone = new Set<string>();

  constructor(api: KubeApi, readonly namespace: string, opts: WatchHubOptions = {}) {
    const o = { restartMinMs: opts.restartMinMs ?? 500, restartMaxMs: opts.restartMaxMs ?? 15_000 };
    const ns = encodeURIComponent(namespace);
    this.jobs = new RestartingInformer<V1Job>('jobs', `/apis/batch/v1/namespaces/${ns}/jobs`, api,
      () => api.call('list jobs', () => api.batch.listNamespacedJob({ namespace, labelSelector: MANAGED_SELECTOR }), { retry: false }), o);
    this.pods = new RestartingInformer<V1Pod>('pods', `/api/v1/namespaces/${ns}/pods`, api,
      () => api.call('list pods', () => api.core.listNamespacedPod({ namespace, labelSelector: MANAGED_SELECTOR }), { retry: false }), o);

    const jobEvent = (j: V1Job) => this.notify(j.metadata?.name);
    this.jobs.informer.on('add', (j) => { this.jobGone.delete(j.metadata?.name ?? ''); jobEvent(j); });
    this.jobs.informer.on('update', jobEvent);
    this.jobs.informer.on('delete', (j) => {
      const name = j.metadata?.name ?? '';
      if (this.listeners.has(name)) this.jobGone.add(name);
      jobEvent(j);
    });
    const podJob = (p: V1Pod) => p.metadata?.labels?.[LABELS.job];
    const upsert = (p: V1Pod) => {
      const job = podJob(p);
      if (!job) return;
      let m = this.podsByJob.get(job);
      if (!m) this.podsByJob.set(job, (m = new Map()));
      m.set(p.metadata!.name!, p);
      this.notify(job);
    };
    this.pods.informer.on('add', upsert);
    this.pods.informer.on('update', upsert);
    this.pods.informer.on('delete', (p) => {
      const job = podJob(p);
      if (!job) return;
      const m = this.podsByJob.get(job);
      m?.delete(p.metadata!.name!);
      if (m && m.size === 0) this.podsByJob.delete(job);
      if (this.listeners.has(job)) {
        const kept = this.deleted.get(job) ?? [];
        kept.push(p);
        this.deleted.set(job, kept.slice(-DELETED_KEPT));
      }
      this.notify(job);
    });
  }

  start(): void {
    this.jobs.start();
    this.pods.start();
  }

  /** Resolves once both kinds have been listed (the cache is complete). */
  async ready(signal?: AbortSignal): Promise<void> {
    await this.jobs.whenListed(signal);
    await this.pods.whenListed(signal);
  }

  /**
   * Like ready(), but rejects with a one-line error when the API server refuses the watch
   * (401/403: wrong credentials or RBAC) instead of retrying forever.
   */
  async readyOrRefused(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const refused = [this.jobs, this.pods].find((i) => !i.listed && (i.lastStatus === 401 || i.lastStatus === 403));
      if (refused) throw new WatchRefusedError(`cannot list and watch trial Jobs and pods in namespace ${this.namespace}: ${refused.lastError}`);
      if (this.jobs.listed && this.pods.listed) return;
      if (signal?.aborted) throw signal.reason;
      await pause(200, signal);
    }
  }

  /** false while a watch is down and being re-established */
  get connected(): boolean {
    return this.jobs.connected && this.pods.connected;
  }

  get restarts(): number {
    return this.jobs.errors + this.pods.errors;
  }

  get lastError(): string {
    return this.jobs.lastError || this.pods.lastError;
  }

  /** Every trial Job in the cache. */
  allJobs(): V1Job[] {
    return [...this.jobs.informer.list(this.namespace)];
  }

  view(name: string): JobView {
    const pods = [...(this.podsByJob.get(name)?.values() ?? [])].sort((a, b) => created(a) - created(b));
    return {
      name,
      job: this.jobs.informer.get(name, this.namespace),
      jobDeleted: this.jobGone.has(name),
      pods,
      deletedPods: [...(this.deleted.get(name) ?? [])],
    };
  }

  /** Calls `listener` on every change of the Job or its pods; returns the unsubscribe function. */
  subscribe(name: string, listener: JobListener): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener);
    return () => {
      set!.delete(listener);
      if (set!.size === 0) {
        this.listeners.delete(name);
        this.deleted.delete(name);
        this.jobGone.delete(name);
      }
    };
  }

  private notify(name: string | undefined): void {
    if (!name) return;
    const set = this.listeners.get(name);
    if (!set?.size) return;
    const v = this.view(name);
    for (const l of set) l(v);
  }

  async stop(): Promise<void> {
    await Promise.all([this.jobs.stop(), this.pods.stop()]);
  }
}
