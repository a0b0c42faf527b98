// Planning activities: resolve the spec and ask its search strategy for trials. Each round is
// computed once and stored (a retried activity returns the stored round), so the workflow sees
// the same plan however often it asks.
import type { NatsConnection } from '@nats-io/transport-node';
import { ApplicationFailure } from '@temporalio/activity';
import { ConfigError } from '../core/config/errors.js';
import type { AnyResolvedSweep } from '../core/config/spec.js';
import { resolveStoredSpec } from '../core/stored-spec.js';
import { createCommandStrategy, createStrategy } from '../core/grid/strategy.js';
import { isCommandSweep } from '../core/config/spec.js';
import { finishedTrial, type SearchState, type SearchStrategy, type TrialPlan } from '../core/search/strategy.js';
import type { AnyTrialConfig } from '../core/config/command-trial.js';
import type { PlanInfo } from '../workflows/types.js';
import { readSweepEvents } from '../store/reader.js';
import { PAGE_SIZE, PlanStore, specObject } from '../store/plans.js';
import { resultFromEvents } from '../store/trial-result.js';
import { specHash } from '../core/spec-hash.js';
import { layoutPacks, type PackedPage } from '../core/scheduler/pack-layout.js';
import { packLimit } from '../core/train/packed/pack-key.js';
import { taskDims } from '../core/config/resources.js';

/** Resolves a spec inside the cluster; an invalid spec is a non-retryable failure. */
export function resolveForCluster(spec: unknown): AnyResolvedSweep {
  try {
    return resolveStoredSpec(spec, 'spec');
  } catch (err) {
    if (err instanceof ConfigError) throw ApplicationFailure.create({ type: 'InvalidSpec', message: err.message, nonRetryable: true });
    throw err;
  }
}

export function planningActivities(nc: NatsConnection) {
  let store: Promise<PlanStore> | undefined;
  const plans = () => (store ??= PlanStore.open(nc));

  return {
    async planRound(input: { sweepId: string; spec: unknown; round: number }): Promise<PlanInfo> {
      const s = await plans();
      // A sweep id holds one plan: a workflow started under an id planned with another spec
      // (a reused id) fails instead of running the old plan under the new spec's name.
      if (input.round === 0) {
        const spec = await s.spec(input.sweepId);
        if (spec !== undefined && specHash(spec) !== specHash(input.spec)) {
          throw ApplicationFailure.create({
            type: 'SweepIdReused', nonRetryable: true,
            message: `sweep id ${input.sweepId} was planned with spec ${specHash(spec)}; this spec is ${specHash(input.spec)}: use another id`,
          });
        }
      }
      const stored = await s.round(input.sweepId, input.round);
      if (stored) return stored;
      const resolved = resolveForCluster(input.spec);
      if (input.round === 0) await s.putJson(specObject(input.sweepId), input.spec);
      const state: SearchState<TrialPlan<AnyTrialConfig>> = { planned: [], finished: {} };
      if (input.round > 0) {
        state.planned = await s.allPlans(input.sweepId);
        for (const e of groupByTrial(await readSweepEvents(nc, input.sweepId))) {
          const r = resultFromEvents(e[0].trialId, e);
          if (r && r.outcome !== 'cancelled') state.finished[r.trialId] = finishedTrial(r);
        }
      }
      const planned = new Set(state.planned.map((p) => p.id));
      const strategy = (isCommandSweep(resolved) ? createCommandStrategy(resolved) : createStrategy(resolved)) as SearchStrategy<TrialPlan<AnyTrialConfig>>;
      const step = strategy.step(state);
      const next: TrialPlan<AnyTrialConfig>[] = [];
      for (const p of step.next) {
        if (planned.has(p.id)) continue; // a strategy never re-proposes; a duplicate would run twice
        planned.add(p.id);
        next.push(p);
      }
      const ex = resolved.spec.execution;
      const t = resolved.spec.trainer;
      const trainer = t.kind === 'command'
        ? { trainer: { command: t.command, killAfterSeconds: t.killAfterSeconds, ...(t.timeoutSeconds !== undefined ? { timeoutSeconds: t.timeoutSeconds } : {}) } }
        : {};
      const info: PlanInfo = {
        round: input.round, count: next.length, pageSize: PAGE_SIZE, done: step.done, name: resolved.spec.name,
        execution: { parallelism: ex.parallelism, executor: ex.executor, maxAttempts: ex.maxAttempts, ...(ex.executor === 'kubernetes' ? { kubernetes: ex.kubernetes } : {}), ...trainer,
          // command trainers never pack
          ...(t.kind === 'command' ? {} : { pack: ex.pack }) },
      };
      await s.putRound(input.sweepId, info, next);
      return info;
    },

    async planPage(input: { sweepId: string; round: number; page: number }): Promise<TrialPlan<AnyTrialConfig>[]> {
      return (await plans()).page(input.sweepId, input.round, input.page);
    },

    /**
     * A page laid out in packs by the round's execution.pack (pure over the stored page, so a
     * retried or repeated call returns the same layout). The sweep counts a pack's members
     * against its window, so a pack holds at most packWindow(parallelism) trials.
     */
    async planPackedPage(input: { sweepId: string; round: number; page: number; parallelism: number }): Promise<PackedPage> {
      const s = await plans();
      const info = await s.round(input.sweepId, input.round);
      const pack = info?.execution.pack ?? 'off';
      const page = await s.page(input.sweepId, input.round, input.page);
      return layoutPacks(page, (config) => {
        // as the embedded runner sizes them: a file task's dimensions (0 here, known only from
        // its files) count as wide as the hidden layers
        const { inputDim, outputDim } = taskDims(config);
        const w = config.model.width;
        return Math.min(packWindow(input.parallelism), packLimit(pack, config, inputDim || w, outputDim || w));
      });
    },
  };
}

/**
 * Most trials of one pack in a window of `parallelism`: half the window (at least 2), so two
 * packs are in flight and one's process start-up overlaps another's training. Measured with
 * 200 one-step trials at parallelism 50 on 2 cores (bench/temporal-pack-local.ts): packs of 50
 * kept one trainer alive at a time. With packs as activities of the sweep, packs of a quarter
 * of the window were no faster in the dispatch bench (1,000 trivial trials at parallelism 40,
 * docs/benchmarks.md): half stays.
 */
export function packWindow(parallelism: number): number {
  return Math.min(parallelism, Math.max(2, Math.ceil(parallelism / 2)));
}

function groupByTrial<T extends { trialId: string }>(items: T[]): T[][] {
  const m = new Map<string, T[]>();
  for (const it of items) {
    let g = m.get(it.trialId);
    if (!g) m.set(it.trialId, (g = []));
    g.push(it);
  }
  return [...m.values()];
}
