// Reference workflows of the dispatch benchmark, at most `window` trials in flight (the sweep's
// parallelism), no planning, no readback:
//   bareActivitiesWorkflow: N bare activities from one workflow;
//   childTrialsWorkflow:    N child workflows from one workflow, each running one such activity
//                           (what a child workflow per trial costs on top of the activity).
import { executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';

export interface BareActivities {
  bareTrial(i: number): Promise<number>;
}

const { bareTrial } = proxyActivities<BareActivities>({ startToCloseTimeout: 60_000 });

async function lanes(n: number, window: number, one: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  let done = 0;
  const lane = async () => {
    while (next < n) {
      const i = next++;
      await one(i);
      done++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, n) }, lane));
  return done;
}

export async function bareActivitiesWorkflow(n: number, window: number): Promise<number> {
  return lanes(n, window, (i) => bareTrial(i));
}

export async function oneTrialWorkflow(i: number): Promise<number> {
  return bareTrial(i);
}

export async function childTrialsWorkflow(n: number, window: number): Promise<number> {
  return lanes(n, window, (i) => executeChild(oneTrialWorkflow, { args: [i], workflowId: `${workflowInfo().workflowId}/child/${i}` }));
}
