// The trainer's input: a TrialLaunch (activities/executor.ts) as JSON, from a file or stdin,
// checked by a strict schema that reports every problem by path. The environment may override
// the NATS servers and the attempt (a trial pod learns both from its Job).
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, formatIssues } from '../core/config/errors.js';
import { kubernetesExecutionSchema } from '../core/config/execution.js';
import { trialConfigSchema } from '../core/config/trial.js';
import { firstLine } from '../core/error-message.js';
import { trialId as idOf } from '../core/ids.js';
import { SWEEP_ID_PATTERN } from '../core/sweep-id.js';
import { natsAuthSchema } from '../core/nats-auth.js';
import type { TrialLaunch } from '../activities/executor.js';
import { MAX_PACK } from '../core/train/packed/pack-key.js';

export const trialLaunchSchema = z.strictObject({
  sweepId: z.string().regex(SWEEP_ID_PATTERN, 'must be letters, digits, _, - or :'),
  trialId: z.string().regex(/^[0-9a-f]{16}$/, 'must be 16 hex digits'),
  attempt: z.number().int().min(1, 'must be a positive integer').default(1),
  config: trialConfigSchema,
  nats: z.strictObject({ servers: z.array(z.string()), auth: natsAuthSchema.optional() }).optional(),
  kubernetes: kubernetesExecutionSchema.optional(),
  /** a pack: the members this process trains (trialId/config name the pack: its first member, which may have finished) */
  pack: z.array(z.strictObject({
    trialId: z.string().regex(/^[0-9a-f]{16}$/, 'must be 16 hex digits'),
    config: trialConfigSchema,
  })).min(1).max(MAX_PACK).optional(),
});

/** What the environment overrides (SWEEP_NATS_URL, SWEEP_ATTEMPT; see workers/process-env.ts). */
export interface LaunchOverrides {
  natsServers?: string[];
  /** SWEEP_NATS_CREDS, SWEEP_NATS_TLS_CA */
  natsCreds?: string;
  natsTlsCa?: string;
  attempt?: number;
}

/** Reads and checks a launch file ("-": standard input); throws ConfigError naming the problems. */
export function readLaunch(path: string, overrides: LaunchOverrides = {}): TrialLaunch {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path === '-' ? 0 : path, 'utf8'));
  } catch (err) {
    throw new ConfigError([`(file): cannot read launch file: ${firstLine(err)}`], path === '-' ? 'stdin' : path);
  }
  return parseLaunch(raw, path, overrides);
}

export function parseLaunch(raw: unknown, source: string, overrides: LaunchOverrides = {}): TrialLaunch {
  const parsed = trialLaunchSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error.issues), source);
  const o = parsed.data;
  const servers = overrides.natsServers ?? o.nats?.servers ?? [];
  const problems: string[] = [];
  if (!servers.length) problems.push('nats.servers: no NATS server given (or set SWEEP_NATS_URL)');
  const id = idOf(o.config);
  if (id !== o.trialId) problems.push(`trialId: ${o.trialId} is not the id of this config (${id})`);
  o.pack?.forEach((m, i) => {
    const mid = idOf(m.config);
    if (mid !== m.trialId) problems.push(`pack.${i}.trialId: ${m.trialId} is not the id of this config (${mid})`);
  });
  if (o.pack && new Set(o.pack.map((m) => m.trialId)).size !== o.pack.length) problems.push('pack: a trial appears twice');
  if (problems.length) throw new ConfigError(problems, source);
  let auth = o.nats?.auth;
  if (overrides.natsCreds) auth = { ...auth, creds: overrides.natsCreds };
  if (overrides.natsTlsCa) auth = { ...auth, tls: { ...auth?.tls, ca: overrides.natsTlsCa } };
  const launch: TrialLaunch = { sweepId: o.sweepId, trialId: o.trialId, attempt: overrides.attempt ?? o.attempt, config: o.config, nats: { servers, ...(auth ? { auth } : {}) } };
  if (o.kubernetes) launch.kubernetes = o.kubernetes;
  if (o.pack) launch.pack = o.pack;
  return launch;
}
