// The `execution` section of a sweep spec: how trials are scheduled, locally or on a cluster.
import { z } from 'zod';

const posInt = z.number().int().min(1);
const quantity = z.union([z.string().regex(/^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/, 'must be a Kubernetes quantity such as 500m, 2 or 4Gi'), z.number().positive()]);
const labelMap = z.record(z.string(), z.string());

export const tolerationSchema = z.strictObject({
  key: z.string().optional(),
  operator: z.enum(['Exists', 'Equal']).optional(),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
  tolerationSeconds: z.number().int().optional(),
});

export const kubernetesExecutionSchema = z.strictObject({
  namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label').default('sweeps'),
  image: z.string().min(1).default('sweep-trainer:latest'),
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent'),
  /** trainer command; the trial config file path is appended */
  command: z.array(z.string()).optional(),
  gpus: z.number().int().min(0).default(1),
  cpu: quantity.default('2'),
  memory: quantity.default('8Gi'),
  nodeSelector: labelMap.default({}),
  tolerations: z.array(tolerationSchema).default([]),
  priorityClassName: z.string().optional(),
  serviceAccountName: z.string().optional(),
  /** Kueue LocalQueue name: sets the kueue.x-k8s.io/queue-name label */
  queue: z.string().optional(),
  activeDeadlineSeconds: posInt.default(6 * 3600),
  ttlSecondsAfterFinished: z.number().int().min(0).default(3600),
  /** a pod that stays unschedulable this long fails the attempt (retryable) */
  unschedulableTimeoutSeconds: posInt.default(600),
  /** an image that still cannot be pulled after this long fails the trial (not retried) */
  imagePullGraceSeconds: posInt.default(120),
  extraLabels: labelMap.default({}),
});

export const executionSchema = z.strictObject({
  /** trials in flight at once (embedded: worker processes; cluster: concurrent trial workflows) */
  parallelism: posInt.default(2),
  /** attempts per trial for infrastructure failures (diverged and invalid configs never retry) */
  maxAttempts: posInt.default(3),
  /** cluster executor: local processes on the worker host, or Kubernetes Jobs */
  executor: z.enum(['local', 'kubernetes']).default('local'),
  /**
   * trial packing: trials that differ only in seed, lr, γ0 or parametrization (core/train/packed)
   * train together in one process as one vectorised model; auto picks the pack size, off trains
   * each trial alone, N packs at most N trials
   */
  pack: z.union([z.enum(['auto', 'off']), posInt]).default('auto'),
  kubernetes: kubernetesExecutionSchema.prefault({}),
});

export type KubernetesExecution = z.output<typeof kubernetesExecutionSchema>;
export type Execution = z.output<typeof executionSchema>;
