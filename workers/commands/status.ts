// `sweep status ID`: where a cluster sweep stands (one line, or --json).
import type { Command } from 'commander';
import { statusLine, withClient, withConnectionFlags, type ConnectionFlags } from './cluster.js';

export function register(program: Command): void {
  withConnectionFlags(program
    .command('status')
    .description('show the state and progress of a cluster sweep')
    .argument('<id>', 'sweep id')
    .option('--json', 'print the status as JSON')
    .option('--trials', 'also list each trial with its live summary (from the aggregator)'))
    .action(async (id: string, flags: ConnectionFlags & { json?: boolean; trials?: boolean }) => {
      await withClient(flags, async (client) => {
        const s = await client.status(id);
        const trials = flags.trials ? await client.trialSummaries(id) : undefined;
        if (flags.json) {
          console.log(JSON.stringify({ ...s, ...(trials ? { trials } : {}) }, null, 2));
          return;
        }
        console.log(statusLine(s));
        for (const t of trials ?? []) {
          const loss = t.latest?.trainLoss;
          console.log(`  ${t.trialId} ${t.status.padEnd(9)} ${t.metrics} points, step ${t.latest?.step ?? '-'}, train loss ${loss === undefined || loss === null ? '-' : Number(loss).toPrecision(4)}${t.error ? `: ${t.error}` : ''}`);
        }
      });
    });
}
