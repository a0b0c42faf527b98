// The executors a worker offers, by the name a spec selects in execution.executor. Each entry
// builds its executor from the worker's settings; an executor that cannot be built here (for
// example, no cluster credentials) is simply left out, and trials asking for it fail clearly.
import type { TrialExecutor } from './executor.js';
import type { ExecutorFactory, ExecutorSettings } from './executor-settings.js';
import { InProcessExecutor } from './inprocess-executor.js';
import { LocalProcessExecutor } from './local-executor.js';
import { kubernetesExecutorFactory } from './kubernetes/factory.js';

export const executorFactories: Record<string, ExecutorFactory> = {
  local: (s) => (s.localMode === 'in-process' ? new InProcessExecutor(s.nc) : new LocalProcessExecutor(s.local)),
  kubernetes: kubernetesExecutorFactory,
};

export async function buildExecutors(s: ExecutorSettings, factories: Record<string, ExecutorFactory> = executorFactories): Promise<Map<string, TrialExecutor>> {
  const out = new Map<string, TrialExecutor>();
  for (const [name, make] of Object.entries(factories)) {
    const ex = await make(s);
    if (ex) out.set(name, ex);
  }
  return out;
}
