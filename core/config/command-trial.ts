// The resolved config of one command-trainer trial: the user's params with this trial's grid
// values set into them. It is what the trial id hashes (core/ids.ts) and what trials.jsonl
// records, so analyses read `params.width` from it as they read `model.width` from a built-in one.
import { z } from 'zod';
import type { TrialConfig } from './trial.js';

export const commandTrialSchema = z.strictObject({
  trainer: z.literal('command'),
  params: z.record(z.string(), z.json()),
});

export type CommandTrialConfig = z.output<typeof commandTrialSchema>;

/** A trial of either trainer. */
export type AnyTrialConfig = TrialConfig | CommandTrialConfig;

export function isCommandTrial(config: AnyTrialConfig): config is CommandTrialConfig {
  return (config as { trainer?: unknown }).trainer === 'command';
}

/** The built-in trial config, or undefined for a command trial (analyses that need the model). */
export function builtinConfig(config: AnyTrialConfig | undefined): TrialConfig | undefined {
  return config && !isCommandTrial(config) ? config : undefined;
}
