// The in-process cluster most Temporal tests share: NATS with JetStream, a Temporal dev
// server, an orchestrator worker on one task queue and a client, stopped in reverse order.
import { SweepClient } from '../../client/sweep-client.js';
import { installRuntime, startOrchestrator, type Orchestrator, type OrchestratorOptions } from '../../workers/orchestrator.js';
import { killAllChildren } from '../servers/children.js';
import { startNats, type NatsServer } from '../servers/nats.js';
import { startTemporal, type TemporalServer, type TemporalServerOptions } from '../servers/temporal.js';
import { workflowBundlePath } from '../servers/workflow-bundle.js';

export interface Cluster {
  nats: NatsServer;
  temporal: TemporalServer;
  orch: Orchestrator;
  client: SweepClient;
  /** closes the client, shuts the worker down, stops both servers and any child process left */
  stop(): Promise<void>;
}

export async function startCluster(opts: {
  taskQueue: string;
  orchestrator?: Omit<OrchestratorOptions, 'temporal' | 'nats' | 'taskQueue' | 'workflowBundlePath'>;
  temporal?: TemporalServerOptions;
}): Promise<Cluster> {
  installRuntime('ERROR');
  const [nats, temporal] = await Promise.all([startNats(), startTemporal(opts.temporal)]);
  let orch: Orchestrator | undefined;
  let client: SweepClient | undefined;
  const stop = async () => {
    await client?.close().catch(() => undefined);
    await orch?.shutdown().catch(() => undefined);
    await temporal.stop();
    await nats.stop();
    await killAllChildren();
  };
  try {
    orch = await startOrchestrator({
      maxTrials: 2, ...opts.orchestrator,
      temporal: temporal.address, nats: nats.url, taskQueue: opts.taskQueue, workflowBundlePath: await workflowBundlePath(),
    });
    client = await SweepClient.connect({ temporal: temporal.address, nats: nats.url, taskQueue: opts.taskQueue });
  } catch (err) {
    await stop();
    throw err;
  }
  return { nats, temporal, orch, client, stop };
}
