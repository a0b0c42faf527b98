// `sweep submit SPEC [--wait]`: validate the spec here (nothing starts if it is invalid), start
// the sweep workflow, print its id on stdout (for scripts: ID=$(sweep submit spec.yaml)).
import type { Command } from 'commander';
import { SweepClient } from '../../client/sweep-client.js';
import { UsageError } from '../usage-error.js';
import { exitCodeFor, statusLine, withClient, withConnectionFlags, type ConnectionFlags } from './cluster.js';
import { followSweep } from './watch.js';
import { SWEEP_ID_PATTERN } from '../../core/sweep-id.js';

interface SubmitFlags extends ConnectionFlags {
  wait?: boolean;
  yes?: boolean;
  id?: string;
  skipPreflight?: boolean;
}

export function register(program: Command): void {
  withConnectionFlags(program
    .command('submit')
    .description('start a sweep on the cluster (Temporal); prints the sweep id')
    .argument('<spec>', 'sweep spec, YAML or JSON')
    .option('--wait', 'follow the sweep until it ends (exit 1 if trials failed)')
    .option('--yes', 'accept a sweep of more than 5000 trials')
    .option('--id <id>', 'sweep id to use instead of a generated one')
    .option('--skip-preflight', 'run without the spec\'s coord check (recorded with the sweep)'))
    .action(async (file: string, flags: SubmitFlags) => {
      const spec = await SweepClient.readSpec(file);
      SweepClient.validate(spec, !!flags.yes); // before any connection: errors are about the spec
      if (flags.id !== undefined && !SWEEP_ID_PATTERN.test(flags.id)) throw new UsageError(`--id: "${flags.id}" may hold only letters, digits, '_', '-' and ':'`);
      await withClient(flags, async (client) => {
        const s = await client.submit(spec, { yes: !!flags.yes, ...(flags.id ? { sweepId: flags.id } : {}), ...(flags.skipPreflight ? { options: { skipPreflight: true } } : {}) });
        console.log(s.sweepId);
        if (s.existing) {
          // the id already holds this very spec: nothing is started again
          process.stderr.write(`sweep ${s.name}: ${s.sweepId} already holds this spec (${s.specHash}, ${s.existing.toLowerCase()}): nothing submitted; see sweep status ${s.sweepId}\n`);
        } else {
          process.stderr.write(`sweep ${s.name}: ${s.trials} trials submitted as ${s.sweepId} (spec ${s.specHash}, task queue ${client.settings.taskQueue})\n`);
        }
        if (!flags.wait) return;
        const { final, lastLine } = await followSweep(client, s.sweepId);
        // the follower may have printed the final line already (one line per change off a terminal)
        if (statusLine(final) !== lastLine) process.stderr.write(`${statusLine(final)}\n`);
        process.exitCode = exitCodeFor(final);
      });
    });
}
