// Names and labels of trial Jobs. A Job's name is a pure function of sweep id, trial id and
// attempt, so a retried or restarted worker finds the Job it (or another worker) created.
// Names are DNS-1123 labels of at most 63 characters: pod names and the job-name label the
// job controller puts on pods are derived from them and share that limit.
import { createHash } from 'node:crypto';

export const MAX_NAME = 63;

export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  component: 'app.kubernetes.io/component',
  sweep: 'sweep.dev/sweep',
  trial: 'sweep.dev/trial',
  attempt: 'sweep.dev/attempt',
  job: 'sweep.dev/job',
  kueueQueue: 'kueue.x-k8s.io/queue-name',
} as const;

export const ANNOTATIONS = {
  /** the exact sweep id (the sweep label may be shortened or hashed) */
  sweepId: 'sweep.dev/sweep-id',
  /** the TrialLaunch JSON, projected into the container as a file by a downwardAPI volume */
  launch: 'sweep.dev/launch',
} as const;

export const MANAGED_BY = 'sweep-orchestrator';
export const MANAGED_SELECTOR = `${LABELS.managedBy}=${MANAGED_BY}`;

const hash = (s: string, n: number) => createHash('sha256').update(s).digest('hex').slice(0, n);

/** Lowercase DNS-1123 fragment: [a-z0-9-], no leading/trailing/double dashes. */
function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-{2,}/g, '-').replace(/^-+|-+$/g, '');
}

/**
 * `<sweep>-<trialId>-a<attempt>`. The sweep part is the sweep id when it is already a clean
 * DNS-1123 fragment and fits; otherwise a shortened slug plus 8 hex chars of the id's hash, so
 * two sweeps never share names.
 */
export function jobName(sweepId: string, trialId: string, attempt: number): string {
  if (!Number.isInteger(attempt) || attempt < 1) throw new Error(`attempt: must be a positive integer, got ${attempt}`);
  const tail = `${slug(trialId)}-a${attempt}`;
  const room = MAX_NAME - tail.length - 1;
  const s = slug(sweepId);
  if (s === sweepId && s.length > 0 && s.length <= room) return `${s}-${tail}`;
  const short = s.slice(0, Math.max(0, room - 9)).replace(/-+$/, '');
  return `${short ? `${short}-` : 's-'}${hash(sweepId, 8)}-${tail}`;
}

/** A label value for the sweep id: valid label syntax, ≤ 63 chars, distinct per sweep id. */
export function sweepLabel(sweepId: string): string {
  const clean = sweepId.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  if (clean === sweepId && clean.length <= MAX_NAME) return clean;
  const short = clean.slice(0, MAX_NAME - 9).replace(/[^A-Za-z0-9]+$/, '');
  return `${short ? `${short}-` : 's-'}${hash(sweepId, 8)}`;
}

export function isValidDns1123Label(name: string): boolean {
  return name.length <= MAX_NAME && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name);
}

export function isValidLabelValue(v: string): boolean {
  return v.length <= MAX_NAME && /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v);
}
