// `sweep report ID --out DIR`: the output folder of a cluster sweep, as `sweep run` writes it.
import type { Command } from 'commander';
import { OutputFolderError } from '../../core/output/folder.js';
import { exitOnInterrupt } from '../../core/output/lock.js';
import { UsageError } from '../usage-error.js';
import { withClient, withConnectionFlags, type ConnectionFlags } from './cluster.js';

export function register(program: Command): void {
  withConnectionFlags(program
    .command('report')
    .description('write the output folder of a cluster sweep (trials, metrics, summary, report)')
    .argument('<id>', 'sweep id')
    .requiredOption('--out <dir>', 'output folder'))
    .action(async (id: string, flags: ConnectionFlags & { out: string }) => {
      await withClient(flags, async (client) => {
        let r;
        // Ctrl-C exits through process.exit, which releases the folder's lock
        const undo = exitOnInterrupt();
        try {
          r = await client.report(id, flags.out);
        } catch (err) {
          if (err instanceof OutputFolderError) throw new UsageError(err.message);
          throw err;
        } finally {
          undo();
        }
        const what = r.complete ? 'final analysis' : 'partial results (the sweep has not completed)';
        console.log(`${id}: ${r.trials} trials, ${what} → ${r.dir} (${r.files.join(', ')})`);
      });
    });
}
