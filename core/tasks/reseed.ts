// The same task for another trial seed: its teacher, fixed training and test sets (drawn from
// the task seed) shared, only the batch streams drawn from the new trial seed. A process that
// runs many trials of one task (a pool worker, a pack) builds the task's data once.
import type { Task } from './task.js';

type Reseed = (trialSeed: number) => Task;

const reseeds = new WeakMap<object, Reseed>();

/** Register how `task` is rebuilt for another trial seed, sharing its data. */
export function registerReseed(task: Task, reseed: Reseed): void {
  reseeds.set(task, reseed);
}

/**
 * `task` for trial seed `trialSeed`, or undefined when the task cannot be rebound. What a
 * generator added after building the task (theory constants, teacher directions: task-seed
 * facts) is carried over.
 */
export function reseeded(task: Task, trialSeed: number): Task | undefined {
  const fresh = reseeds.get(task)?.(trialSeed);
  if (!fresh) return undefined;
  const extra = fresh as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(task)) if (!(k in fresh)) extra[k] = v;
  return fresh;
}
