// The Kubernetes executor: trial attempts as batch/v1 Jobs (see executor.ts).
export { KubernetesExecutor, type KubernetesExecutorOptions } from './executor.js';
export { kubernetesExecutorFactory, loadKubeConfig, executorOptionsFromEnv, KUBE_ENV } from './factory.js';
export { JobGarbageCollector, temporalSweepLiveness, type SweepLiveness, type SweepState } from './gc.js';
export { buildTrialJob, TRAINER_CONTAINER, LAUNCH_FILE } from './job-spec.js';
export { jobName, sweepLabel, LABELS, ANNOTATIONS, MANAGED_SELECTOR } from './names.js';
export { observe, podFailure } from './classify.js';
export { TokenBucket } from './rate-limiter.js';
export { KubeApi } from './kube-api.js';
