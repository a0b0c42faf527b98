// `sweep schedule create|list|trigger|delete`: recurring sweeps as Temporal Schedules (a firing while
// the previous sweep of the schedule still runs is skipped).
import type { Command } from 'commander';
import { SweepClient } from '../../client/sweep-client.js';
import { ScheduleCronError, ScheduleExistsError, ScheduleNameError, checkScheduleName } from '../../client/schedules.js';
import { UsageError } from '../usage-error.js';
import { withClient, withConnectionFlags, type ConnectionFlags } from './cluster.js';

export function register(program: Command): void {
  const schedule = program.command('schedule').description('recurring sweeps (Temporal Schedules)');

  withConnectionFlags(schedule
    .command('create')
    .description('run SPEC on a cron schedule, e.g. --cron "0 2 * * *" for 02:00 UTC nightly')
    .argument('<name>', 'schedule name (letters, digits, - and _)')
    .argument('<spec>', 'sweep spec, YAML or JSON')
    .requiredOption('--cron <expr>', 'cron expression (5 fields, UTC), or @daily, @every 10m, ...')
    .option('--yes', 'accept a sweep of more than 5000 trials'))
    .action(async (name: string, file: string, flags: ConnectionFlags & { cron: string; yes?: boolean }) => {
      try {
        checkScheduleName(name);
      } catch (err) {
        if (err instanceof ScheduleNameError) throw new UsageError(err.message);
        throw err;
      }
      const spec = await SweepClient.readSpec(file);
      SweepClient.validate(spec, !!flags.yes);
      await withClient(flags, async (client) => {
        try {
          await client.createSchedule(name, flags.cron, spec, { yes: !!flags.yes });
        } catch (err) {
          if (err instanceof ScheduleExistsError) throw new UsageError(err.message);
          if (err instanceof ScheduleCronError) throw new UsageError(`--cron: ${err.message}`);
          throw err;
        }
        const info = await client.describeSchedule(name);
        console.log(`schedule ${name}: ${flags.cron}${info.nextRuns[0] ? `, next run ${info.nextRuns[0].toISOString()}` : ''}`);
      });
    });

  withConnectionFlags(schedule
    .command('list')
    .description('list schedules with their next runs and latest sweeps')
    .option('--json', 'print as JSON'))
    .action(async (flags: ConnectionFlags & { json?: boolean }) => {
      await withClient(flags, async (client) => {
        const list = await client.listSchedules();
        if (flags.json) {
          console.log(JSON.stringify(list, null, 2));
          return;
        }
        if (!list.length) console.log('no schedules');
        for (const s of list) {
          const next = s.nextRuns[0] ? `next ${s.nextRuns[0].toISOString()}` : 'no next run';
          const last = s.recentSweeps.length ? `, last sweep ${s.recentSweeps[s.recentSweeps.length - 1]}` : '';
          console.log(`${s.name}: ${s.cron ?? '?'} (${s.sweepName ?? '?'})${s.paused ? ' paused' : ''}, ${next}${last}`);
        }
      });
    });

  withConnectionFlags(schedule
    .command('trigger')
    .description('start the schedule\'s sweep now (skipped while its previous sweep still runs)')
    .argument('<name>', 'schedule name'))
    .action(async (name: string, flags: ConnectionFlags) => {
      await withClient(flags, async (client) => {
        await client.triggerSchedule(name);
        console.log(`schedule ${name} triggered (see sweep schedule list for the sweep it started)`);
      });
    });

  withConnectionFlags(schedule
    .command('delete')
    .description('delete a schedule (sweeps it started keep running)')
    .argument('<name>', 'schedule name'))
    .action(async (name: string, flags: ConnectionFlags) => {
      await withClient(flags, async (client) => {
        await client.deleteSchedule(name);
        console.log(`schedule ${name} deleted`);
      });
    });
}
