// Node objects for the test node agent: GPU capacity, Ready condition, kubelet endpoint on
// 127.0.0.1, and the heartbeats (node Lease + status) that keep the node lifecycle controller
// from marking them NotReady. Stopping a node's heartbeats simulates losing the node.
import { CoordinationV1Api, CoreV1Api, PatchStrategy, V1MicroTime, setHeaderOptions, type KubeConfig, type V1Node, type V1NodeCondition } from '@kubernetes/client-node';

export interface FakeNodeSpec {
  name: string;
  /** capacity; defaults: 32 cpu, 256Gi memory, 8 nvidia.com/gpu, 250 pods */
  cpu?: string;
  memory?: string;
  gpus?: number;
  pods?: number;
  labels?: Record<string, string>;
  taints?: Array<{ key: string; value?: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }>;
}

const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
const LEASE_SECONDS = 40;

function readyConditions(now: string, ready: boolean): V1NodeCondition[] {
  const c = (type: string, status: string, reason: string, message: string) =>
    ({ type, status, reason, message, lastHeartbeatTime: now, lastTransitionTime: now }) as unknown as V1NodeCondition;
  return [
    c('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    c('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    c('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    ready ? c('Ready', 'True', 'KubeletReady', 'test node agent is posting ready status')
      : c('Ready', 'False', 'KubeletNotReady', 'test node agent reports not ready'),
  ];
}

export function nodeObject(spec: FakeNodeSpec, kubeletPort: number): V1Node {
  const capacity = {
    cpu: spec.cpu ?? '32',
    memory: spec.memory ?? '256Gi',
    pods: String(spec.pods ?? 250),
    'ephemeral-storage': '500Gi',
    'nvidia.com/gpu': String(spec.gpus ?? 8),
  };
  const now = new Date().toISOString();
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: {
      name: spec.name,
      labels: {
        'kubernetes.io/hostname': spec.name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64',
        'nvidia.com/gpu.present': String((spec.gpus ?? 8) > 0),
        'sweep.test/node-agent': 'true',
        ...spec.labels,
      },
    },
    spec: { taints: spec.taints },
    status: {
      capacity, allocatable: capacity,
      conditions: readyConditions(now, true),
      addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: spec.name }],
      daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } },
      nodeInfo: {
        architecture: 'amd64', operatingSystem: 'linux', osImage: 'sweep test node agent',
        kernelVersion: '', kubeletVersion: 'v1.34.4', kubeProxyVersion: '', containerRuntimeVersion: 'sweep-agent://1',
        machineID: spec.name, systemUUID: spec.name, bootID: spec.name,
      },
    },
  };
}

/** Registers the nodes and keeps their heartbeats going until stop(). */
export class FakeNodes {
  private readonly core: CoreV1Api;
  private readonly leases: CoordinationV1Api;
  private readonly healthy = new Map<string, boolean>();
  private timer?: NodeJS.Timeout;
  private beating = false;

  constructor(kc: KubeConfig, readonly specs: FakeNodeSpec[], private readonly kubeletPort: number,
    private readonly intervalMs = 5000) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.leases = kc.makeApiClient(CoordinationV1Api);
  }

  async register(): Promise<void> {
    for (const spec of this.specs) {
      const node = nodeObject(spec, this.kubeletPort);
      try {
        await this.core.createNode({ body: node });
      } catch (err) {
        if ((err as { code?: number }).code !== 409) throw err;
      }
      // create ignores nothing for nodes, but an existing node keeps its old status: set it
      await this.core.patchNodeStatus({ name: spec.name, body: { status: node.status } }, strategic);
      this.healthy.set(spec.name, true);
    }
    await this.beat();
    this.timer = setInterval(() => { void this.beat(); }, this.intervalMs);
  }

  /** false: stop heartbeats, as if the node lost its network (the controller marks it Unknown) */
  setHealthy(name: string, healthy: boolean): void {
    if (!this.healthy.has(name)) throw new Error(`no fake node named ${name}`);
    this.healthy.set(name, healthy);
  }

  isHealthy(name: string): boolean {
    return this.healthy.get(name) === true;
  }

  private async beat(): Promise<void> {
    if (this.beating) return;
    this.beating = true;
    try {
      const now = new Date().toISOString();
      await Promise.all([...this.healthy].filter(([, ok]) => ok).map(async ([name]) => {
        try {
          await this.renewLease(name, now);
          await this.core.patchNodeStatus({ name, body: { status: { conditions: readyConditions(now, true) } } }, strategic);
        } catch {
          // API server briefly away (tests restart it): the next beat retries
        }
      }));
    } finally {
      this.beating = false;
    }
  }

  private async renewLease(name: string, now: string): Promise<void> {
    const renewTime = new V1MicroTime(now);
    try {
      await this.leases.patchNamespacedLease({ name, namespace: 'kube-node-lease', body: { spec: { renewTime } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
      await this.leases.createNamespacedLease({
        namespace: 'kube-node-lease',
        body: {
          metadata: { name, namespace: 'kube-node-lease' },
          spec: { holderIdentity: name, leaseDurationSeconds: LEASE_SECONDS, renewTime },
        },
      });
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
