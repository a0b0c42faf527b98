// `sweep trial CONFIG`: one resolved trial config (JSON or YAML) run in this process, every
// metric and event message printed as one JSON line on stdout. Exit 0 when the trial reached an
// outcome (including diverged and failed: they are in the last line), 2 for an invalid config,
// 130/143 when stopped by SIGINT/SIGTERM (the `cancelled` event is still printed).
import { readFile, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { ConfigError, formatIssues } from '../../core/config/errors.js';
import { formatBytes } from '../../core/config/quantities.js';
import { MAX_ALIAS_COUNT, MAX_SPEC_BYTES } from '../../core/config/spec-limits.js';
import { shapeProblems } from '../../core/config/spec-shape.js';
import { trialConfigSchema, type TrialConfig } from '../../core/config/trial.js';
import { trialId as idOf } from '../../core/ids.js';
import type { BusMessage } from '../../core/messages.js';
import { UsageError } from '../usage-error.js';
import { addDataRootOption, dataAccessFromFlags, type DataFlags } from './data-flags.js';
import { firstLine } from '../../core/error-message.js';

interface TrialFlags extends DataFlags {
  sweepId?: string;
  trialId?: string;
}

/** Reads and validates a trial config file; every problem names its field. */
export async function loadTrialConfig(file: string): Promise<TrialConfig> {
  let text: string;
  try {
    // a trial config is far smaller than a spec: refuse a huge file before reading it
    const { size } = await stat(file);
    if (size > MAX_SPEC_BYTES) throw new ConfigError([`(file): ${formatBytes(size)} is more than the ${formatBytes(MAX_SPEC_BYTES)} a config may have`], `trial config ${file}`);
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new UsageError(`cannot read trial config ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: MAX_ALIAS_COUNT }); // JSON is YAML (and its duplicate keys are refused)
  } catch (err) {
    throw new ConfigError([`not valid YAML or JSON: ${firstLine(err)}`], `trial config ${file}`);
  }
  const shape = shapeProblems(raw);
  if (shape.length) throw new ConfigError(shape, `trial config ${file}`);
  const parsed = trialConfigSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error.issues), `trial config ${file}`);
  return parsed.data;
}

/** Writes one JSON line, waiting when stdout's buffer is full (a slow pipe must not lose lines). */
async function printLine(msg: BusMessage): Promise<void> {
  if (!process.stdout.write(`${JSON.stringify(msg)}\n`)) {
    await new Promise<void>((resolve) => process.stdout.once('drain', () => resolve()));
  }
}

export function register(program: Command): void {
  const cmd = program
    .command('trial')
    .description('run one resolved trial config here and print its metric and event messages as JSON lines')
    .argument('<config>', 'trial config, YAML or JSON (validated like one grid point of a spec)')
    .option('--sweep-id <id>', 'sweepId in the messages', 'local')
    .option('--trial-id <id>', 'trialId in the messages (default: the config\'s stable id)');
  addDataRootOption(cmd)
    .action(async (file: string, flags: TrialFlags) => {
      const config = await loadTrialConfig(file);
      // relative data paths mean the config file's folder, as in a spec
      const data = dataAccessFromFlags(file, flags);
      // Loaded here, not at the top: TensorFlow.js takes a second to import, and no other
      // command (nor a rejected config) needs it.
      const { runTrial } = await import('../../core/train/run-trial.js');
      const ac = new AbortController();
      let stoppedBy: NodeJS.Signals | null = null;
      const onSignal = (sig: NodeJS.Signals) => {
        if (stoppedBy) process.exit(sig === 'SIGINT' ? 130 : 143);
        stoppedBy = sig;
        ac.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        await runTrial(config, {
          sweepId: flags.sweepId ?? 'local',
          trialId: flags.trialId ?? idOf(config),
          emit: printLine,
          signal: ac.signal,
          data,
        });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      if (stoppedBy) process.exitCode = stoppedBy === 'SIGINT' ? 130 : 143;
    });
}
