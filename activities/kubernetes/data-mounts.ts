// Datasets for the `file` task on a cluster: volumes the installation mounts read-only into
// every trial pod (SWEEP_TRAINER_DATA, set by the chart's trainer.data). Their mount paths are
// the trainer's SWEEP_DATA_ROOTS, the only folders a trial's file task may read; relative data
// paths in a spec mean the first of them.
import type { V1Job } from '@kubernetes/client-node';
import { z } from 'zod';
import { formatIssues } from '../../core/config/errors.js';
import { EnvError } from '../../core/env.js';
import { errorMessage } from '../../core/error-message.js';
import { DATA_ROOTS_ENV } from '../../core/tasks/file/data-roots.js';

export const DATA_MOUNTS_ENV = 'SWEEP_TRAINER_DATA';

/** Paths the trial pod already uses for itself (the launch file, scratch space). */
const RESERVED = ['/etc/sweep', '/tmp'];

const mountPath = z.string().regex(/^\/[^:]*$/, 'must be an absolute path without ":"')
  .refine((p) => !RESERVED.some((r) => p === r || p.startsWith(`${r}/`) || r.startsWith(`${p.replace(/\/+$/, '')}/`)), `must not overlap ${RESERVED.join(' or ')}`);

export const dataMountSchema = z.strictObject({
  /** volume name in the pod (DNS-1123 label) */
  name: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label').max(63),
  mountPath,
  /** a Kubernetes volume source, e.g. {persistentVolumeClaim: {claimName: datasets}} (checked by the API server) */
  volume: z.record(z.string(), z.unknown()).refine((v) => Object.keys(v).length === 1, 'must name exactly one volume source'),
});

export type DataMount = z.output<typeof dataMountSchema>;

/** SWEEP_TRAINER_DATA (a JSON array) → mounts; a bad value is an EnvError (a ConfigError) naming the variable. */
export function dataMountsFromEnv(env: NodeJS.ProcessEnv = process.env): DataMount[] {
  const text = env[DATA_MOUNTS_ENV];
  if (!text) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new EnvError([`${DATA_MOUNTS_ENV}: not JSON: ${errorMessage(err)}`]);
  }
  const parsed = z.array(dataMountSchema).safeParse(raw);
  if (!parsed.success) throw new EnvError(formatIssues(parsed.error.issues, [DATA_MOUNTS_ENV]));
  const names = parsed.data.map((m) => m.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new EnvError([`${DATA_MOUNTS_ENV}: volume name ${dup} appears twice`]);
  return parsed.data;
}

/** Adds the data volumes (read-only) and SWEEP_DATA_ROOTS to the trainer container of `job`. */
export function addDataMounts(job: V1Job, mounts: readonly DataMount[]): void {
  const pod = job.spec!.template.spec!;
  const container = pod.containers[0];
  for (const m of mounts) {
    pod.volumes!.push({ name: `data-${m.name}`, ...m.volume });
    container.volumeMounts!.push({ name: `data-${m.name}`, mountPath: m.mountPath, readOnly: true });
  }
  // always set: an image's own SWEEP_DATA_ROOTS must not widen what a submitted spec can read
  container.env!.push({ name: DATA_ROOTS_ENV, value: mounts.map((m) => m.mountPath).join(':') });
}
