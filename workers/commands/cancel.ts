// `sweep cancel ID`: stop a cluster sweep; waits until every running trial has stopped.
import type { Command } from 'commander';
import { statusLine, withClient, withConnectionFlags, type ConnectionFlags } from './cluster.js';

export function register(program: Command): void {
  withConnectionFlags(program
    .command('cancel')
    .description('cancel a cluster sweep and stop its running trials')
    .argument('<id>', 'sweep id')
    .option('--no-wait', 'return once the cancellation is requested'))
    .action(async (id: string, flags: ConnectionFlags & { wait: boolean }) => {
      await withClient(flags, async (client) => {
        const r = await client.cancel(id, { wait: flags.wait });
        if (r.noWorker) {
          console.log(`${id}: cancellation requested; no worker is polling task queue ${r.taskQueue}, so the sweep stops when one starts`);
          return;
        }
        if (!flags.wait) {
          console.log(`${id}: cancellation requested`);
          return;
        }
        console.log(statusLine(await client.status(id)));
      });
    });
}
