// The orchestrator worker as a real child process (so tests can SIGKILL it), started with the
// cached workflow bundle and waiting until it polls its task queue.
import { fileURLToPath } from 'node:url';
import { spawnChild, type Child } from './children.js';
import { workflowBundlePath } from './workflow-bundle.js';

const entry = fileURLToPath(new URL('../../workers/orchestrator.js', import.meta.url));

export interface OrchestratorProcessOptions {
  temporal: string;
  nats: string;
  taskQueue: string;
  maxTrials?: number;
  localMode?: 'process' | 'in-process';
  aggregator?: boolean;
  env?: NodeJS.ProcessEnv;
  startTimeoutMs?: number;
}

export async function startOrchestratorProcess(o: OrchestratorProcessOptions): Promise<Child> {
  const args = [entry, '--temporal', o.temporal, '--nats', o.nats, '--task-queue', o.taskQueue, '--workflow-bundle', await workflowBundlePath()];
  if (o.maxTrials) args.push('--max-trials', String(o.maxTrials));
  if (o.localMode) args.push('--local-mode', o.localMode);
  if (o.aggregator === false) args.push('--no-aggregator');
  const child = spawnChild(process.execPath, args, { env: { ...process.env, ...o.env } });
  const deadline = Date.now() + (o.startTimeoutMs ?? 60_000);
  let exited = false;
  child.exited.then(() => { exited = true; });
  while (!/orchestrator: pid \d+/.test(child.output())) {
    if (exited) throw new Error(`orchestrator exited during start-up: ${child.output().slice(-2000)}`);
    if (Date.now() > deadline) {
      await child.kill();
      throw new Error(`orchestrator not ready: ${child.output().slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return child;
}
