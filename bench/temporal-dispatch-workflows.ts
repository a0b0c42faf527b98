// Reference workflow of the dispatch benchmark: N bare activities from one workflow, at most
// `window` in flight (the sweep's parallelism), no child workflows, no planning, no readback.
import { proxyActivities } from '@temporalio/workflow';

export interface BareActivities {
  bareTrial(i: number): Promise<number>;
}

const { bareTrial } = proxyActivities<BareActivities>({ startToCloseTimeout: 60_000 });

export async function bareActivitiesWorkflow(n: number, window: number): Promise<number> {
  let next = 0;
  let done = 0;
  const lane = async () => {
    while (next < n) {
      const i = next++;
      await bareTrial(i);
      done++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, n) }, lane));
  return done;
}
