// What a trial's Job and pods say about the attempt: a phase and reason for heartbeats, and,
// once it is over, how it ended. Pure (the caller supplies the clock and the times it first saw
// a pod unschedulable or stuck pulling its image), so every rule is unit-tested on fixtures.
//
//   OOMKilled                          oom-killed         not retryable (same config, same memory)
//   ErrImagePull/ImagePullBackOff      image-pull         not retryable, after imagePullGraceSeconds
//   InvalidImageName/ErrImageNeverPull image-pull         not retryable, at once
//   unschedulable                      unschedulable      retryable, after unschedulableTimeoutSeconds
//   evicted (kubelet or Eviction API)  evicted            retryable
//   preempted (scheduler, Kueue)       preempted          retryable
//   Job activeDeadlineSeconds          deadline-exceeded  not retryable
//   node lost (taint manager, pod GC)  node-lost          retryable
//   other non-zero exit                crashed            retryable, except the trainer's "invalid" exit
import type { V1ContainerStatus, V1Job, V1JobCondition, V1Pod } from '@kubernetes/client-node';
import { TRAINER_EXIT, type ExecutorOutcome, type FailureKind } from '../executor.js';
import type { JobView } from './watch-hub.js';
import { TRAINER_CONTAINER } from './job-spec.js';

export interface Deadlines {
  unschedulableTimeoutSeconds: number;
  imagePullGraceSeconds: number;
  /** a finished pod whose Job the job controller has not marked finished after this long is taken as final */
  podTerminalGraceSeconds?: number;
}

export interface Clock {
  now: number;
  /** when the current pod was first seen unschedulable */
  unschedulableSince?: number;
  /** when the current pod was first seen unable to pull its image (or create its container) */
  stuckSince?: number;
  /** when the current pod was first seen finished while its Job was not */
  podTerminalSince?: number;
}

export interface Failure {
  kind: FailureKind;
  retryable: boolean;
  message: string;
}

export interface Observation {
  phase: 'Creating' | 'Queued' | 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  reason?: string;
  /** the pod the attempt runs (or last ran) in */
  pod?: V1Pod;
  /** facts the caller keeps time for */
  unschedulable: boolean;
  stuck: boolean;
  podTerminal: boolean;
  /** set when the attempt is over */
  terminal?: ExecutorOutcome & { failure?: Failure };
  /** the Job must be deleted by the executor (it would otherwise wait forever) */
  deleteJob?: boolean;
}

const IMAGE_PULL_WAITING = new Set(['ErrImagePull', 'ImagePullBackOff', 'RegistryUnavailable', 'SignatureValidationFailed']);
const IMAGE_PULL_FATAL = new Set(['InvalidImageName', 'ErrImageNeverPull']);
const CONFIG_WAITING = new Set(['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

function jobCondition(job: V1Job | undefined, ...types: string[]): V1JobCondition | undefined {
  for (const t of types) {
    const c = job?.status?.conditions?.find((x) => x.type === t && x.status === 'True');
    if (c) return c;
  }
  return undefined;
}

function trainerStatus(pod: V1Pod | undefined): V1ContainerStatus | undefined {
  const all = pod?.status?.containerStatuses ?? [];
  return all.find((c) => c.name === TRAINER_CONTAINER) ?? all[0];
}

function disruption(pod: V1Pod): { reason: string; message: string } | undefined {
  const c = pod.status?.conditions?.find((x) => x.type === 'DisruptionTarget' && x.status === 'True');
  return c ? { reason: c.reason ?? '', message: c.message ?? '' } : undefined;
}

const where = (pod: V1Pod) => `pod ${pod.metadata?.name}${pod.spec?.nodeName ? ` on node ${pod.spec.nodeName}` : ''}`;

/** Why a pod failed, from its own status; undefined when it did not fail. */
export function podFailure(pod: V1Pod): (Failure & { exitCode: number | null }) | undefined {
  const cs = trainerStatus(pod);
  const t = cs?.state?.terminated ?? cs?.lastState?.terminated;
  const dt = disruption(pod);
  const exitCode = t?.exitCode ?? null;
  if (t?.reason === 'OOMKilled') {
    const limit = pod.spec?.containers?.find((c) => c.name === cs?.name)?.resources?.limits?.memory;
    return { kind: 'oom-killed', retryable: false, exitCode, message: `OOMKilled: the trainer in ${where(pod)} exceeded its memory limit${limit ? ` of ${limit}` : ''}` };
  }
  if (pod.status?.reason === 'Evicted' || dt?.reason === 'TerminationByKubelet') {
    return { kind: 'evicted', retryable: true, exitCode, message: `evicted by the kubelet: ${where(pod)}: ${pod.status?.message || dt?.message || 'node under resource pressure'}` };
  }
  if (dt?.reason === 'EvictionByEvictionAPI') {
    return { kind: 'evicted', retryable: true, exitCode, message: `evicted through the Eviction API (node drain or disruption budget): ${where(pod)}` };
  }
  if (dt && /preempt/i.test(dt.reason)) {
    return { kind: 'preempted', retryable: true, exitCode, message: `preempted (${dt.reason}): ${where(pod)}${dt.message ? `: ${dt.message}` : ''}` };
  }
  if (dt?.reason === 'DeletionByTaintManager' || dt?.reason === 'DeletionByPodGC' || pod.status?.reason === 'NodeLost') {
    return { kind: 'node-lost', retryable: true, exitCode, message: `node lost (${dt?.reason ?? pod.status?.reason}): ${where(pod)}` };
  }
  if (t && t.exitCode !== 0) {
    const tail = t.message ? `: ${t.message.trim().split('\n').pop()}` : '';
    return {
      kind: 'crashed', retryable: t.exitCode !== TRAINER_EXIT.invalid, exitCode,
      message: `trainer exited with code ${t.exitCode}${t.reason ? ` (${t.reason})` : ''} in ${where(pod)}${tail}`,
    };
  }
  if (pod.status?.phase === 'Failed') {
    return { kind: 'crashed', retryable: true, exitCode, message: `${where(pod)} failed${pod.status.reason ? ` (${pod.status.reason})` : ''}${pod.status.message ? `: ${pod.status.message}` : ''}` };
  }
  return undefined;
}

function finished(pod: V1Pod | undefined): boolean {
  return pod?.status?.phase === 'Succeeded' || pod?.status?.phase === 'Failed';
}

const seconds = (ms: number) => Math.round(ms / 1000);
const createdAt = (p: V1Pod) => (p.metadata?.creationTimestamp ? new Date(p.metadata.creationTimestamp).getTime() : 0);

export function observe(view: JobView, d: Deadlines, clock: Clock): Observation {
  const { job } = view;
  const live = view.pods.at(-1);
  const pod = live ?? view.deletedPods.at(-1);
  const base = { pod, unschedulable: false, stuck: false, podTerminal: false };

  // ---- over, by the Job's own account ----
  const complete = jobCondition(job, 'Complete', 'SuccessCriteriaMet');
  if (complete) {
    return { ...base, phase: 'Succeeded', terminal: { exitCode: trainerStatus(pod)?.state?.terminated?.exitCode ?? 0 } };
  }
  const failed = jobCondition(job, 'Failed', 'FailureTarget');
  if (failed) {
    if (failed.reason === 'DeadlineExceeded') {
      const failure = { kind: 'deadline-exceeded' as const, retryable: false, message: `deadline exceeded: Job ${view.name} ran longer than activeDeadlineSeconds=${job?.spec?.activeDeadlineSeconds}` };
      return { ...base, phase: 'Failed', reason: 'DeadlineExceeded', terminal: { exitCode: null, failure } };
    }
    // the failed pod may still be live or already deleted: look at all of them, newest first
    const candidates = [...view.deletedPods, ...view.pods].sort((a, b) => createdAt(b) - createdAt(a));
    for (const p of candidates) {
      const pf = podFailure(p);
      if (pf) return { ...base, pod: p, phase: 'Failed', reason: pf.kind, terminal: { exitCode: pf.exitCode, failure: pf } };
    }
    const failure = { kind: 'crashed' as const, retryable: true, message: `Job ${view.name} failed: ${failed.reason ?? ''}${failed.message ? `: ${failed.message}` : ''}` };
    return { ...base, phase: 'Failed', reason: failed.reason, terminal: { exitCode: null, failure } };
  }
  if (!job && view.jobDeleted) {
    const pf = pod ? podFailure(pod) : undefined;
    const failure = pf ?? { kind: 'crashed' as const, retryable: true, message: `Job ${view.name} was deleted while the trial ran` };
    return { ...base, phase: 'Failed', reason: 'JobDeleted', terminal: { exitCode: pf?.exitCode ?? null, failure } };
  }

  // ---- still going ----
  if (!job) return { ...base, phase: 'Creating' };
  if (job.spec?.suspend || jobCondition(job, 'Suspended')) return { ...base, phase: 'Queued', reason: 'Suspended' };
  if (!live) return { ...base, phase: 'Pending', reason: 'NoPodYet' };

  const phase = live.status?.phase;
  if (phase === 'Running') return { ...base, pod: live, phase: 'Running' };
  if (finished(live)) {
    // the job controller normally marks the Job within milliseconds; if it does not (controller
    // manager down), the pod's own status decides
    const grace = (d.podTerminalGraceSeconds ?? 30) * 1000;
    const obs: Observation = { ...base, pod: live, phase: phase as 'Succeeded' | 'Failed', podTerminal: true };
    if (clock.podTerminalSince !== undefined && clock.now - clock.podTerminalSince >= grace) {
      if (phase === 'Succeeded') obs.terminal = { exitCode: 0 };
      else {
        const pf = podFailure(live) ?? { kind: 'crashed' as const, retryable: true, exitCode: null, message: `${where(live)} failed` };
        obs.terminal = { exitCode: pf.exitCode, failure: pf };
      }
    }
    return obs;
  }

  // Pending
  const scheduled = live.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    const obs: Observation = { ...base, pod: live, phase: 'Pending', reason: 'Unschedulable', unschedulable: true };
    const limit = d.unschedulableTimeoutSeconds * 1000;
    if (clock.unschedulableSince !== undefined && clock.now - clock.unschedulableSince >= limit) {
      obs.terminal = {
        exitCode: null,
        failure: { kind: 'unschedulable', retryable: true, message: `unschedulable for ${seconds(clock.now - clock.unschedulableSince)}s (limit ${d.unschedulableTimeoutSeconds}s): ${scheduled.message ?? 'no node fits the pod'}` },
      };
      obs.deleteJob = true;
    }
    return obs;
  }
  const waiting = trainerStatus(live)?.state?.waiting;
  const image = live.spec?.containers?.[0]?.image;
  if (waiting?.reason && IMAGE_PULL_FATAL.has(waiting.reason)) {
    return {
      ...base, pod: live, phase: 'Pending', reason: waiting.reason, stuck: true, deleteJob: true,
      terminal: { exitCode: null, failure: { kind: 'image-pull', retryable: false, message: `image ${image} cannot be used (${waiting.reason}): ${waiting.message ?? ''}`.trim() } },
    };
  }
  if (waiting?.reason && (IMAGE_PULL_WAITING.has(waiting.reason) || CONFIG_WAITING.has(waiting.reason))) {
    const obs: Observation = { ...base, pod: live, phase: 'Pending', reason: waiting.reason, stuck: true };
    const limit = d.imagePullGraceSeconds * 1000;
    if (clock.stuckSince !== undefined && clock.now - clock.stuckSince >= limit) {
      const pull = IMAGE_PULL_WAITING.has(waiting.reason);
      obs.terminal = {
        exitCode: null,
        failure: {
          kind: pull ? 'image-pull' : 'crashed', retryable: false,
          message: `${pull ? `image ${image} could not be pulled` : 'the trainer container could not be created'} for ${seconds(clock.now - clock.stuckSince)}s (${waiting.reason}): ${waiting.message ?? ''}`.trim(),
        },
      };
      obs.deleteJob = true;
    }
    return obs;
  }
  return { ...base, pod: live, phase: 'Pending', reason: waiting?.reason ?? (scheduled?.status === 'True' ? 'ContainerCreating' : 'Scheduling') };
}
