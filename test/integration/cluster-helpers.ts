// Shared pieces of the cluster integration tests: tiny real trial specs, output-folder readers,
// the trainer processes alive on this machine, and waiting with a deadline.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricMessage } from '../../core/messages.js';
import type { TrialRecord } from '../../core/outcome.js';

/** A real but tiny trial: 2-dim teacher, width 4, a few steps on the plain-JS backend. */
export function tinySpec(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    task: { kind: 'teacher-mlp', inputDim: 4, trainSize: 32, testSize: 16, teacherWidth: 8 },
    model: { width: 4, depth: 2 },
    optimizer: { kind: 'sgd', lr: 0.1 },
    train: { steps: 3, batchSize: 16, evalEvery: 1, logEvalPoints: 0 },
    measure: { gradNorm: true, weightMovement: false },
    backend: { name: 'cpu' },
    ...extra,
  };
}

export function readJsonl<T>(path: string): T[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);
}

export function readFolder(dir: string): { trials: TrialRecord[]; metrics: MetricMessage[] } {
  return { trials: readJsonl<TrialRecord>(join(dir, 'trials.jsonl')), metrics: readJsonl<MetricMessage>(join(dir, 'metrics.jsonl')) };
}

/**
 * pids of live processes running workers/trainer.js, excluding zombies; with `tag`, only those
 * whose environment holds SWEEP_TEST_TAG=<tag> (inherited from the worker a test started).
 */
export function trainerPids(tag?: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (!cmd.includes('workers/trainer.js')) continue;
      if (tag && !readFileSync(`/proc/${d}/environ`, 'utf8').split('\0').includes(`SWEEP_TEST_TAG=${tag}`)) continue;
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') continue;
      out.push(Number(d));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Fields of a trial record that must agree between two runs of the same trial. */
export function comparable(r: TrialRecord): Record<string, unknown> {
  return { id: r.id, outcome: r.outcome, step: r.step, error: r.error, final: r.final, config: r.config, axes: r.axes, lrConvention: r.lrConvention, continual: r.continual, giantStep: r.giantStep };
}
