// The spec's `trainer` section: who runs a trial. `builtin` (the default) is the product's own
// MLP trainer, configured by the model/task/optimizer/... sections; `command` is the user's
// program, started once per trial with its hyperparameters (`params`, any JSON) in a launch
// file and speaking the trial protocol (docs/trainer-protocol.md).
import { z } from 'zod';

/** Grace period between SIGTERM and SIGKILL when a command trial is stopped. */
export const DEFAULT_KILL_AFTER_SECONDS = 10;

export const builtinTrainerSchema = z.strictObject({ kind: z.literal('builtin') });

export const commandTrainerSchema = z.strictObject({
  kind: z.literal('command'),
  /** argv of the trainer (no shell); embedded it runs in the spec's folder */
  command: z.array(z.string().min(1, 'must not be empty')).min(1, 'must name the program to run, e.g. [python3, train.py]'),
  /** the user's hyperparameters; grid axes address them as params.<key> */
  params: z.record(z.string(), z.json()).default({}),
  /** an attempt that has not ended this long after it started fails (a hung trainer) */
  timeoutSeconds: z.number().int().min(1).optional(),
  /** seconds between SIGTERM and SIGKILL when a trial is stopped or times out */
  killAfterSeconds: z.number().int().min(1).default(DEFAULT_KILL_AFTER_SECONDS),
});

export const trainerSchema = z.discriminatedUnion('kind', [builtinTrainerSchema, commandTrainerSchema]);

export type CommandTrainer = z.output<typeof commandTrainerSchema>;
export type TrainerConfig = z.output<typeof trainerSchema>;
