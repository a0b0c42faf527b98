// Failure classification of trial Jobs on fixtures shaped like what the job controller, the
// scheduler and the kubelet write: each rule of activities/kubernetes/classify.ts, its retry
// decision, and the deadlines that turn waiting into failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { observe, podFailure } from '../../activities/kubernetes/classify.js';
import type { JobView } from '../../activities/kubernetes/watch-hub.js';

const D = { unschedulableTimeoutSeconds: 60, imagePullGraceSeconds: 30 };

function job(conditions: Array<{ type: string; reason?: string; message?: string }> = [], spec: Partial<V1Job['spec']> = {}): V1Job {
  return {
    metadata: { name: 'j' },
    spec: { template: {}, activeDeadlineSeconds: 100, ...spec } as V1Job['spec'],
    status: { conditions: conditions.map((c) => ({ ...c, status: 'True' })) as never },
  };
}

interface PodShape {
  phase?: string;
  reason?: string;
  message?: string;
  scheduled?: { status: string; reason?: string; message?: string };
  disruption?: string;
  waiting?: { reason: string; message?: string };
  terminated?: { exitCode: number; reason?: string; message?: string };
  running?: boolean;
  memory?: string;
  name?: string;
  created?: string;
}

function pod(p: PodShape): V1Pod {
  const conditions: object[] = [];
  if (p.scheduled) conditions.push({ type: 'PodScheduled', ...p.scheduled });
  if (p.disruption) conditions.push({ type: 'DisruptionTarget', status: 'True', reason: p.disruption, message: 'disrupted' });
  const state = p.waiting ? { waiting: p.waiting } : p.terminated ? { terminated: p.terminated } : p.running ? { running: {} } : undefined;
  return {
    metadata: { name: p.name ?? 'j-abcde', uid: p.name ?? 'u1', creationTimestamp: new Date(p.created ?? '2025-01-01T00:00:00Z') },
    spec: { nodeName: 'gpu-3', containers: [{ name: 'trainer', image: 'img:1', resources: { limits: { memory: p.memory ?? '8Gi' } } }] },
    status: {
      phase: p.phase ?? 'Pending', reason: p.reason, message: p.message, conditions: conditions as never,
      containerStatuses: state ? [{ name: 'trainer', image: 'img:1', imageID: '', ready: false, restartCount: 0, state } as never] : undefined,
    },
  };
}

const view = (j: V1Job | undefined, pods: V1Pod[] = [], deleted: V1Pod[] = [], jobDeleted = false): JobView =>
  ({ name: 'j', job: j, pods, deletedPods: deleted, jobDeleted });
const now = 1_000_000;

test('Complete → exit 0, no failure', () => {
  const o = observe(view(job([{ type: 'SuccessCriteriaMet' }, { type: 'Complete' }]), [pod({ phase: 'Succeeded', terminated: { exitCode: 0, reason: 'Completed' } })]), D, { now });
  assert.deepEqual(o.terminal, { exitCode: 0 });
  assert.equal(o.phase, 'Succeeded');
});

test('OOMKilled → oom-killed, not retryable, names the limit', () => {
  const o = observe(view(job([{ type: 'Failed', reason: 'BackoffLimitExceeded' }]), [pod({ phase: 'Failed', memory: '4Gi', terminated: { exitCode: 137, reason: 'OOMKilled' } })]), D, { now });
  assert.equal(o.terminal?.failure?.kind, 'oom-killed');
  assert.equal(o.terminal?.failure?.retryable, false);
  assert.equal(o.terminal?.exitCode, 137);
  assert.match(o.terminal!.failure!.message, /memory limit of 4Gi/);
});

test('evictions, preemption and lost nodes are retryable, each with its kind', () => {
  const failedJob = job([{ type: 'FailureTarget', reason: 'BackoffLimitExceeded' }]);
  const cases: Array<[PodShape, string]> = [
    [{ phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.', disruption: 'TerminationByKubelet' }, 'evicted'],
    [{ phase: 'Failed', disruption: 'EvictionByEvictionAPI', terminated: { exitCode: 143, reason: 'Error' } }, 'evicted'],
    [{ phase: 'Failed', disruption: 'PreemptionByScheduler', terminated: { exitCode: 137, reason: 'Error' } }, 'preempted'],
    [{ phase: 'Running', disruption: 'DeletionByTaintManager', running: true }, 'node-lost'],
    [{ phase: 'Failed', disruption: 'DeletionByPodGC' }, 'node-lost'],
    [{ phase: 'Failed', reason: 'NodeLost' }, 'node-lost'],
  ];
  for (const [shape, kind] of cases) {
    // the pod may already be gone (deleted) when the Job fails: its last state still explains it
    for (const v of [view(failedJob, [pod(shape)]), view(failedJob, [], [pod(shape)])]) {
      const f = observe(v, D, { now }).terminal?.failure;
      assert.equal(f?.kind, kind, JSON.stringify(shape));
      assert.equal(f?.retryable, true);
    }
  }
});

test('the newest pod explains the failure when several existed', () => {
  const older = pod({ name: 'old', created: '2025-01-01T00:00:00Z', phase: 'Failed', terminated: { exitCode: 137, reason: 'OOMKilled' } });
  const newer = pod({ name: 'new', created: '2025-01-01T00:05:00Z', phase: 'Failed', reason: 'Evicted', disruption: 'TerminationByKubelet' });
  const o = observe(view(job([{ type: 'Failed', reason: 'BackoffLimitExceeded' }]), [newer], [older]), D, { now });
  assert.equal(o.terminal?.failure?.kind, 'evicted');
});

test('DeadlineExceeded → deadline-exceeded, not retryable', () => {
  const o = observe(view(job([{ type: 'Failed', reason: 'DeadlineExceeded' }]), [pod({ phase: 'Running', running: true })]), D, { now });
  assert.equal(o.terminal?.failure?.kind, 'deadline-exceeded');
  assert.equal(o.terminal?.failure?.retryable, false);
  assert.match(o.terminal!.failure!.message, /activeDeadlineSeconds=100/);
});

test('exit codes: crash retryable, the trainer\'s invalid-launch exit (2) not', () => {
  const f = (code: number) => podFailure(pod({ phase: 'Failed', terminated: { exitCode: code, reason: 'Error', message: 'line 1\nlast words\n' } }))!;
  assert.equal(f(1).kind, 'crashed');
  assert.equal(f(1).retryable, true);
  assert.match(f(1).message, /exited with code 1 \(Error\) in pod j-abcde on node gpu-3: last words/);
  assert.equal(f(2).retryable, false);
  assert.equal(podFailure(pod({ phase: 'Running', running: true })), undefined);
});

test('unschedulable: Pending until the timeout, then a retryable failure that deletes the Job', () => {
  const v = view(job(), [pod({ scheduled: { status: 'False', reason: 'Unschedulable', message: '0/4 nodes are available: 4 Insufficient nvidia.com/gpu.' } })]);
  const early = observe(v, D, { now, unschedulableSince: now - 59_000 });
  assert.equal(early.phase, 'Pending');
  assert.equal(early.reason, 'Unschedulable');
  assert.equal(early.unschedulable, true);
  assert.equal(early.terminal, undefined);
  const late = observe(v, D, { now, unschedulableSince: now - 60_000 });
  assert.equal(late.terminal?.failure?.kind, 'unschedulable');
  assert.equal(late.terminal?.failure?.retryable, true);
  assert.equal(late.deleteJob, true);
  assert.match(late.terminal!.failure!.message, /unschedulable for 60s \(limit 60s\): 0\/4 nodes are available/);
});

test('image pull errors: waiting within the grace, then not retryable; an invalid name fails at once', () => {
  const v = view(job(), [pod({ scheduled: { status: 'True' }, waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "img:1"' } })]);
  assert.equal(observe(v, D, { now, stuckSince: now - 29_000 }).terminal, undefined);
  const late = observe(v, D, { now, stuckSince: now - 30_000 });
  assert.equal(late.terminal?.failure?.kind, 'image-pull');
  assert.equal(late.terminal?.failure?.retryable, false);
  assert.equal(late.deleteJob, true);
  const invalid = observe(view(job(), [pod({ waiting: { reason: 'InvalidImageName' } })]), D, { now });
  assert.equal(invalid.terminal?.failure?.kind, 'image-pull');
});

test('phases while it runs: Creating, Queued (suspended by Kueue), Pending reasons, Running', () => {
  assert.equal(observe(view(undefined), D, { now }).phase, 'Creating');
  const queued = observe(view(job([{ type: 'Suspended', reason: 'JobSuspended' }], { suspend: true })), D, { now });
  assert.deepEqual([queued.phase, queued.reason], ['Queued', 'Suspended']);
  assert.deepEqual([observe(view(job()), D, { now }).phase, observe(view(job()), D, { now }).reason], ['Pending', 'NoPodYet']);
  const creating = observe(view(job(), [pod({ scheduled: { status: 'True' }, waiting: { reason: 'ContainerCreating' } })]), D, { now });
  assert.deepEqual([creating.phase, creating.reason], ['Pending', 'ContainerCreating']);
  assert.equal(observe(view(job(), [pod({ phase: 'Running', running: true })]), D, { now }).phase, 'Running');
});

test('a finished pod whose Job is never marked finished decides after a grace', () => {
  const v = view(job(), [pod({ phase: 'Failed', terminated: { exitCode: 1, reason: 'Error' } })]);
  const early = observe(v, D, { now, podTerminalSince: now - 1000 });
  assert.equal(early.podTerminal, true);
  assert.equal(early.terminal, undefined);
  const late = observe(v, D, { now, podTerminalSince: now - 30_000 });
  assert.equal(late.terminal?.failure?.kind, 'crashed');
});

test('a Job deleted by someone else ends the attempt (retryable)', () => {
  const o = observe(view(undefined, [], [pod({ phase: 'Running', running: true })], true), D, { now });
  assert.equal(o.terminal?.failure?.kind, 'crashed');
  assert.equal(o.terminal?.failure?.retryable, true);
  assert.match(o.terminal!.failure!.message, /was deleted while the trial ran/);
});
