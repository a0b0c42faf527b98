// Runs trial attempts as Kubernetes Jobs. For each attempt the executor creates — or adopts,
// when a worker restarted or the activity was retried — one deterministic Job, follows it
// through the worker's shared watch (watch-hub.ts), heartbeats its phase and reason, and
// reports how it ended (classify.ts), with the trainer's last log lines on failure. Cancelling
// the activity deletes the Job and its pods; a worker shutting down (or an attempt the server
// timed out) leaves the Job running for the next attempt to adopt.
import { readFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import type { KubeConfig, V1Job } from '@kubernetes/client-node';
import { kubernetesExecutionSchema, type KubernetesExecution } from '../../core/config/execution.js';
import type { ExecutorContext, ExecutorOutcome, TrialExecutor, AnyTrialLaunch } from '../executor.js';
import { observe, type Clock, type Observation } from './classify.js';
import { buildTrialJob, type PodNatsCredential, type TrialJob } from './job-spec.js';
import type { DataMount } from './data-mounts.js';
import { KubeApi, apiStatus, describeApiError, type KubeApiOptions } from './kube-api.js';
import { podLogTail } from './logs.js';
import { ANNOTATIONS, LABELS } from './names.js';
import { JobWatchHub, WatchRefusedError, type WatchHubOptions } from './watch-hub.js';
import { errorMessage } from '../../core/error-message.js';

export interface KubernetesExecutorOptions extends KubeApiOptions, WatchHubOptions {
  kubeConfig: KubeConfig;
  /**
   * Worker-wide settings for the fields a spec leaves at their defaults (e.g. the namespace the
   * worker's Role covers, the trainer image of this installation).
   */
  defaults?: Partial<KubernetesExecution>;
  /** NATS servers as pods reach them (default: the launch's) */
  natsServers?: string[];
  /** dataset volumes mounted read-only into trial pods (SWEEP_TRAINER_DATA) */
  dataMounts?: DataMount[];
  /** heartbeat period while nothing changes (default 5 s) */
  heartbeatMs?: number;
  /** how often deadlines are re-checked without events (default 1 s) */
  tickMs?: number;
  /** log lines kept in failure reports (default 40) */
  logTailLines?: number;
  /** how long cancellation waits for the Job and its pods to be gone (default 90 s) */
  cancelWaitMs?: number;
  podTerminalGraceSeconds?: number;
}

/** Temporal's cancellation reasons after which the Job is left for the next attempt. */
const DETACH_REASONS = new Set(['WORKER_SHUTDOWN', 'TIMED_OUT']);

function cancelReason(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  return typeof reason === 'string' ? reason : 'CANCELLED';
}

const jobAttempt = (j: V1Job) => Number(j.metadata?.labels?.[LABELS.attempt] ?? 0);
const jobFinished = (j: V1Job, type: 'Complete' | 'Failed') =>
  j.status?.conditions?.some((c) => c.status === 'True' && (c.type === type || c.type === (type === 'Complete' ? 'SuccessCriteriaMet' : 'FailureTarget'))) === true;

export class KubernetesExecutor implements TrialExecutor {
  readonly name = 'kubernetes';
  readonly api: KubeApi;
  private readonly hubs = new Map<string, JobWatchHub>();
  private readonly closers: Array<() => Promise<void>> = [];
  private readonly schemaDefaults = kubernetesExecutionSchema.parse({});

  constructor(private readonly opts: KubernetesExecutorOptions) {
    this.api = new KubeApi(opts.kubeConfig, opts);
  }

  /** The shared watch of a namespace (started on first use). */
  hub(namespace: string): JobWatchHub {
    let hub = this.hubs.get(namespace);
    if (!hub) {
      hub = new JobWatchHub(this.api, namespace, this.opts);
      this.hubs.set(namespace, hub);
      hub.start();
    }
    return hub;
  }

  /** whether the shared watch of `namespace` has been started */
  watching(namespace: string): boolean {
    return this.hubs.has(namespace);
  }

  /** The trial's Kubernetes settings: the spec's, with worker defaults where the spec kept the schema's. */
  settings(launch: AnyTrialLaunch): KubernetesExecution {
    const spec = launch.kubernetes ?? this.schemaDefaults;
    const out: Record<string, unknown> = { ...spec };
    for (const [key, value] of Object.entries(this.opts.defaults ?? {})) {
      if (value !== undefined && isDeepStrictEqual(out[key], (this.schemaDefaults as Record<string, unknown>)[key])) out[key] = value;
    }
    return out as KubernetesExecution;
  }

  /** Namespace of trials whose spec keeps the default namespace. */
  get defaultNamespace(): string {
    return this.opts.defaults?.namespace ?? this.schemaDefaults.namespace;
  }

  async run(launch: AnyTrialLaunch, ctx: ExecutorContext): Promise<ExecutorOutcome> {
    const k = this.settings(launch);
    if (ctx.signal.aborted) return cancelledOutcome('trial cancelled before its Job was created', false);
    let built: TrialJob;
    try {
      built = buildTrialJob({ ...launch, nats: { servers: this.opts.natsServers ?? launch.nats.servers } }, k, this.opts.dataMounts, await podCredential(launch, ctx));
    } catch (err) {
      return { exitCode: null, failure: { kind: 'crashed', retryable: false, message: `cannot build the trial Job: ${errorMessage(err)}` } };
    }
    const hub = this.hub(k.namespace);
    // no handle yet: the Job followed may turn out to be an earlier attempt's (adoption)
    const creating = () => ctx.heartbeat({ phase: 'Creating', ...(hub.connected ? {} : { reason: 'WaitingForApiServer' }) });
    creating();
    // listing, creating and their retries can take a while when the API server is away
    const pump = setInterval(creating, this.opts.heartbeatMs ?? 5000);
    let name: string;
    try {
      await hub.readyOrRefused(ctx.signal);
      name = await this.ensureJob(hub, built, launch, ctx.signal);
    } catch (err) {
      if (err instanceof WatchRefusedError) return { exitCode: null, failure: { kind: 'crashed', retryable: false, message: err.message } };
      if (ctx.signal.aborted) {
        // the create may have gone through: remove whatever exists under this name
        await this.deleteJob(built.name, k.namespace, 'Foreground').catch(() => undefined);
        return cancelledOutcome(`trial cancelled while its Job ${built.name} was being created`, false);
      }
      const status = apiStatus(err);
      const quota = status === 403 && /exceeded quota/i.test(describeApiError(err));
      const retryable = status === undefined || status === 409 || status === 429 || status >= 500 || quota;
      return {
        exitCode: null,
        failure: { kind: 'crashed', retryable, message: `Kubernetes refused Job ${built.name} in namespace ${k.namespace}: ${describeApiError(err)}` },
      };
    } finally {
      clearInterval(pump);
    }
    return this.follow(hub, name, k, ctx);
  }

  /** Creates the attempt's Job, or adopts this attempt's or a still-useful earlier attempt's. */
  private async ensureJob(hub: JobWatchHub, built: TrialJob, launch: AnyTrialLaunch, signal: AbortSignal): Promise<string> {
    const ns = hub.namespace;
    const ours = hub.allJobs().filter((j) => j.metadata?.labels?.[LABELS.trial] === launch.trialId
      && j.metadata?.annotations?.[ANNOTATIONS.sweepId] === launch.sweepId && !j.metadata?.deletionTimestamp);
    const same = ours.find((j) => j.metadata?.name === built.name);
    // An earlier attempt whose Job still runs (its worker died or shut down): its trainer is doing
    // this trial's work, so follow it instead of starting a second one. A finished earlier Job is
    // not adopted: its result has been (or will be) judged by the attempt that created it.
    const earlier = ours
      .filter((j) => jobAttempt(j) < launch.attempt && !jobFinished(j, 'Failed') && !jobFinished(j, 'Complete'))
      .sort((a, b) => jobAttempt(b) - jobAttempt(a))[0];
    const adopt = same ?? earlier;
    if (adopt) {
      if (adopt === same) await this.ensureOwned(built, adopt, signal);
      return adopt.metadata!.name!;
    }
    let job: V1Job;
    try {
      job = await this.api.call('create job', () => this.api.batch.createNamespacedJob({ namespace: ns, body: built.job }), { signal });
    } catch (err) {
      if (apiStatus(err) !== 409) throw err;
      // created by an earlier try of this attempt that the cache has not shown yet
      job = await this.api.call('read job', () => this.api.batch.readNamespacedJob({ name: built.name, namespace: ns }), { signal });
      const labels = job.metadata?.labels ?? {};
      if (labels[LABELS.trial] !== launch.trialId || job.metadata?.annotations?.[ANNOTATIONS.sweepId] !== launch.sweepId) {
        throw new Error(`a Job named ${built.name} exists but belongs to sweep ${job.metadata?.annotations?.[ANNOTATIONS.sweepId]} trial ${labels[LABELS.trial]}`, { cause: err });
      }
    }
    await this.ensureOwned(built, job, signal);
    return built.name;
  }

  /**
   * Creates the launch ConfigMap and the NATS credential Secret of a Job, owned by it: the
   * garbage collector deletes them with the Job. The pod waits for them to mount. One that
   * exists already (an earlier try of this attempt) is kept: the Role may create Secrets but
   * not read them.
   */
  private async ensureOwned(built: TrialJob, job: V1Job, signal: AbortSignal): Promise<void> {
    const owner = [{ apiVersion: 'batch/v1', kind: 'Job', name: job.metadata!.name!, uid: job.metadata!.uid! }];
    const created = async (what: string, create: () => Promise<unknown>) => {
      try {
        await this.api.call(what, create, { signal });
      } catch (err) {
        if (apiStatus(err) !== 409) throw err;
      }
    };
    if (built.configMap) {
      const cm = structuredClone(built.configMap);
      cm.metadata!.ownerReferences = owner;
      await created('create configmap', () => this.api.core.createNamespacedConfigMap({ namespace: cm.metadata!.namespace!, body: cm }));
    }
    if (built.secret) {
      const secret = structuredClone(built.secret);
      secret.metadata!.ownerReferences = owner;
      await created('create secret', () => this.api.core.createNamespacedSecret({ namespace: secret.metadata!.namespace!, body: secret }));
    }
  }

  private async follow(hub: JobWatchHub, name: string, k: KubernetesExecution, ctx: ExecutorContext): Promise<ExecutorOutcome> {
    const handle = `${k.namespace}/${name}`;
    const deadlines = {
      unschedulableTimeoutSeconds: k.unschedulableTimeoutSeconds,
      imagePullGraceSeconds: k.imagePullGraceSeconds,
      podTerminalGraceSeconds: this.opts.podTerminalGraceSeconds,
    };
    const clock: Clock = { now: Date.now() };
    let podUid: string | undefined;
    let wake: (() => void) | undefined;
    const poke = () => { const w = wake; wake = undefined; w?.(); };
    const unsubscribe = hub.subscribe(name, poke);
    const tick = setInterval(poke, this.opts.tickMs ?? 1000);
    ctx.signal.addEventListener('abort', poke);
    let lastKey = '';
    let lastBeat = 0;
    try {
      for (;;) {
        if (ctx.signal.aborted) return await this.cancel(hub, name, ctx.signal.reason);
        clock.now = Date.now();
        const obs = observe(hub.view(name), deadlines, clock);
        // deadlines are per pod: a replacement pod starts its clocks afresh
        const uid = obs.pod?.metadata?.uid;
        if (uid !== podUid) { podUid = uid; clock.unschedulableSince = clock.stuckSince = clock.podTerminalSince = undefined; }
        clock.unschedulableSince = obs.unschedulable ? clock.unschedulableSince ?? clock.now : undefined;
        clock.stuckSince = obs.stuck ? clock.stuckSince ?? clock.now : undefined;
        clock.podTerminalSince = obs.podTerminal ? clock.podTerminalSince ?? clock.now : undefined;
        const reason = obs.reason ?? (hub.connected ? undefined : 'WatchReconnecting');
        const key = `${obs.phase}|${reason ?? ''}`;
        if (key !== lastKey || clock.now - lastBeat >= (this.opts.heartbeatMs ?? 5000)) {
          ctx.heartbeat({ phase: obs.phase, handle, ...(reason ? { reason } : {}) });
          lastKey = key;
          lastBeat = clock.now;
        }
        if (obs.terminal) return await this.finish(name, k.namespace, obs);
        await new Promise<void>((resolve) => { wake = resolve; });
      }
    } finally {
      unsubscribe();
      clearInterval(tick);
      ctx.signal.removeEventListener('abort', poke);
    }
  }

  private async finish(name: string, namespace: string, obs: Observation): Promise<ExecutorOutcome> {
    const t = obs.terminal!;
    if (obs.deleteJob) await this.deleteJob(name, namespace, 'Background').catch(() => undefined);
    if (!t.failure) return { exitCode: t.exitCode };
    const logTail = await podLogTail(this.api, obs.pod, this.opts.logTailLines ?? 40);
    return { exitCode: t.exitCode, failure: { ...t.failure, ...(logTail.length ? { logTail } : {}) } };
  }

  private async cancel(hub: JobWatchHub, name: string, reason: unknown): Promise<ExecutorOutcome> {
    const why = cancelReason(reason);
    if (DETACH_REASONS.has(why)) {
      return cancelledOutcome(`attempt stopped (${why}): Job ${hub.namespace}/${name} keeps running for the next attempt to adopt`, true);
    }
    await this.deleteJob(name, hub.namespace, 'Foreground');
    await this.waitGone(hub, name);
    return cancelledOutcome(`trial cancelled (${why}): Job ${hub.namespace}/${name} and its pods deleted`, false);
  }

  /** Deletes a Job; Foreground keeps it visible until its pods are gone. Missing is fine. */
  async deleteJob(name: string, namespace: string, propagationPolicy: 'Foreground' | 'Background'): Promise<void> {
    try {
      await this.api.call('delete job', () => this.api.batch.deleteNamespacedJob({ name, namespace, propagationPolicy, body: { propagationPolicy } }));
    } catch (err) {
      if (apiStatus(err) !== 404) throw err;
    }
  }

  private async waitGone(hub: JobWatchHub, name: string): Promise<void> {
    const deadline = Date.now() + (this.opts.cancelWaitMs ?? 90_000);
    let wake: (() => void) | undefined;
    const unsubscribe = hub.subscribe(name, () => { const w = wake; wake = undefined; w?.(); });
    try {
      while (Date.now() < deadline) {
        const v = hub.view(name);
        if (!v.job && v.pods.length === 0) {
          // the cache may simply not have seen the Job yet: ask once
          try {
            await this.api.call('read job', () => this.api.batch.readNamespacedJob({ name, namespace: hub.namespace }));
          } catch (err) {
            if (apiStatus(err) === 404) return;
          }
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 1000);
        });
      }
    } finally {
      unsubscribe();
    }
  }

  /**
   * Has `close` run when the executor closes, before its own watches stop: what was built
   * around the executor (its garbage collector, that one's Temporal connection) ends with it.
   */
  closeWith(close: () => Promise<void>): void {
    this.closers.push(close);
  }

  /** Stops what was attached by closeWith, then the shared watches (worker shutdown). Idempotent. */
  async close(): Promise<void> {
    const closers = this.closers.splice(0);
    for (const close of closers) await close();
    await Promise.all([...this.hubs.values()].map((h) => h.stop()));
    this.hubs.clear();
    this.api.close();
  }
}

/** The attempt's credential for its pod, with the CA of the worker's NATS TLS settings (read here: the pod cannot see the worker's files). */
async function podCredential(launch: AnyTrialLaunch, ctx: ExecutorContext): Promise<PodNatsCredential | undefined> {
  if (!ctx.credential) return undefined;
  const caFile = launch.nats.auth?.tls?.ca;
  const ca = caFile ? await readFile(caFile, 'utf8') : undefined;
  return { creds: ctx.credential.creds, inboxPrefix: ctx.credential.inboxPrefix, ...(ca !== undefined ? { ca } : {}) };
}

function cancelledOutcome(message: string, retryable: boolean): ExecutorOutcome {
  return { exitCode: null, failure: { kind: 'cancelled', retryable, message } };
}
