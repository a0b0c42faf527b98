// `sweep list`: the sweeps on the Temporal server (one line each: id, status, start, end), so a
// lost id is found without Temporal's own CLI.
import type { Command } from 'commander';
import { parseIntegerOption } from '../integer-option.js';
import { formatDuration } from '../embedded/progress.js';
import { withClient, withConnectionFlags, type ConnectionFlags } from './cluster.js';

export function register(program: Command): void {
  withConnectionFlags(program
    .command('list')
    .description('list the sweeps on the cluster, newest first')
    .option('--limit <n>', 'at most this many sweeps', '50')
    .option('--json', 'print as JSON'))
    .action(async (flags: ConnectionFlags & { limit: string; json?: boolean }) => {
      const limit = parseIntegerOption(flags.limit, '--limit', 1);
      await withClient(flags, async (client) => {
        const list = await client.list({ limit });
        if (flags.json) {
          console.log(JSON.stringify(list, null, 2));
          return;
        }
        if (!list.length) console.log('no sweeps');
        for (const s of list) {
          const took = s.closeTime ? `, ${formatDuration(s.closeTime.getTime() - s.startTime.getTime())}` : '';
          console.log(`${s.sweepId}  ${s.status.toLowerCase()}  started ${s.startTime.toISOString()}${took}  (task queue ${s.taskQueue})`);
        }
      });
    });
}
