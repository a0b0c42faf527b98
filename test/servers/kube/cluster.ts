// One call to get a working test cluster: the control plane (control-plane.ts) plus the test
// node agent (node-agent.ts) with fake GPU nodes. Tests call startKubeTestCluster() in before()
// and cluster.stop() in after().
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { startKubeControlPlane, repoRoot, type ControlPlaneOptions, type KubeControlPlane } from './control-plane.js';
import type { FakeNodeSpec } from './fake-nodes.js';
import { NodeAgent, type NodeAgentOptions } from './node-agent.js';
import { waitFor } from './processes.js';

export interface KubeTestClusterOptions extends ControlPlaneOptions {
  /** fake nodes (default: two nodes with 8 GPUs each) */
  nodes?: FakeNodeSpec[];
  agent?: Partial<Pick<NodeAgentOptions, 'entrypoint' | 'pullable' | 'simulate' | 'env' | 'heartbeatMs'>>;
}

export interface KubeTestCluster {
  cp: KubeControlPlane;
  agent: NodeAgent;
  /** admin client config */
  kc: KubeConfig;
  /** creates a namespace and waits for its default ServiceAccount (pods need it) */
  createNamespace(name: string, labels?: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

/** The trainer image's entrypoint in the repo checkout (see docker/trainer.Dockerfile). */
export const TRAINER_ENTRYPOINT = ['node', 'dist/workers/trainer.js'];

export async function startKubeTestCluster(opts: KubeTestClusterOptions = {}): Promise<KubeTestCluster> {
  const cp = await startKubeControlPlane(opts);
  const kc = cp.kubeConfig();
  let agent: NodeAgent;
  try {
    const dir = join(cp.dir, 'agent');
    mkdirSync(dir, { recursive: true });
    agent = await NodeAgent.start({
      kubeConfig: kc,
      nodes: opts.nodes ?? [{ name: 'gpu-node-0' }, { name: 'gpu-node-1' }],
      dir,
      tls: { cert: cp.pki.kubeletCert, key: cp.pki.kubeletKey },
      cwd: repoRoot,
      entrypoint: opts.agent?.entrypoint ?? (() => TRAINER_ENTRYPOINT),
      pullable: opts.agent?.pullable,
      simulate: opts.agent?.simulate,
      env: opts.agent?.env,
      heartbeatMs: opts.agent?.heartbeatMs,
    });
  } catch (err) {
    await cp.stop();
    throw err;
  }
  const core = kc.makeApiClient(CoreV1Api);
  const createNamespace = async (name: string, labels?: Record<string, string>) => {
    try {
      await core.createNamespace({ body: { metadata: { name, labels } } });
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
    }
    await waitFor(`default ServiceAccount in namespace ${name}`, async () => {
      await core.readNamespacedServiceAccount({ name: 'default', namespace: name });
      return true;
    }, 30_000, { intervalMs: 100 });
  };
  return {
    cp, agent, kc, createNamespace,
    stop: async () => {
      await agent.stop();
      await cp.stop();
    },
  };
}
