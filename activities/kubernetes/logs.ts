// The last lines a trial's trainer printed, for failure messages: read through `pods/log`
// (proxied by the API server to the node), or — when the pod or its node is gone — from the
// container's termination message, where the kubelet keeps the log tail
// (terminationMessagePolicy: FallbackToLogsOnError).
import type { V1Pod } from '@kubernetes/client-node';
import type { KubeApi } from './kube-api.js';
import { TRAINER_CONTAINER } from './job-spec.js';

function lines(text: string | undefined, max: number): string[] {
  if (!text) return [];
  return text.split('\n').map((l) => l.trimEnd()).filter((l) => l.length > 0).slice(-max);
}

export function terminationMessageTail(pod: V1Pod | undefined, max: number): string[] {
  const cs = pod?.status?.containerStatuses?.find((c) => c.name === TRAINER_CONTAINER) ?? pod?.status?.containerStatuses?.[0];
  return lines(cs?.state?.terminated?.message ?? cs?.lastState?.terminated?.message, max);
}

export async function podLogTail(api: KubeApi, pod: V1Pod | undefined, max: number): Promise<string[]> {
  if (!pod?.metadata?.name || !pod.metadata.namespace) return [];
  try {
    const text = await api.call('read pod log', () => api.core.readNamespacedPodLog({
      name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, container: TRAINER_CONTAINER, tailLines: max,
    }), { retry: false });
    const got = lines(String(text), max);
    if (got.length) return got;
  } catch {
    // pod deleted, node unreachable, or no permission: fall back to the termination message
  }
  return terminationMessageTail(pod, max);
}
