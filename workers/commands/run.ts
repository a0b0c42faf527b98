// `sweep run SPEC`: the whole sweep on this machine, resumable by running the same command again.
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { isCommandSweep, loadSpec } from '../../core/config/spec.js';
import { OutputFolderError } from '../../core/output/folder.js';
import { createProgress } from '../embedded/progress.js';
import { runSweep } from '../embedded/runner.js';
import type { PackSetting } from '../embedded/packs.js';
import { UsageError } from '../usage-error.js';
import { parseIntegerOption } from '../integer-option.js';
import { telemetryFromFlags } from '../telemetry/flags.js';
import { describeSummary } from './analyze.js';
import { addDataRootOption, dataAccessFromFlags, type DataFlags } from './data-flags.js';
import { preflightFileTasks } from '../../core/tasks/file/preflight.js';

interface RunFlags extends DataFlags {
  out?: string;
  parallel?: string;
  yes?: boolean;
  retryFailed?: boolean;
  metricsPort?: string;
  metricsHost?: string;
  webConfig?: string;
  skipPreflight?: boolean;
  pack?: string;
}

function parseParallel(v: string | undefined): number | undefined {
  return v === undefined ? undefined : parseIntegerOption(v, '--parallel', 1);
}

/** `--pack auto|off|N`: execution.pack for this run. */
export function parsePack(v: string | undefined): PackSetting | undefined {
  if (v === undefined || v === 'auto' || v === 'off') return v;
  const n = /^[1-9][0-9]*$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw new UsageError(`--pack: must be auto, off or a whole number >= 1, got ${JSON.stringify(v)}`);
  return n;
}

export function register(program: Command): void {
  const cmd = program
    .command('run')
    .description('run a sweep on this machine (running it again resumes: finished trials are kept)')
    .argument('<spec>', 'sweep spec, YAML or JSON')
    .option('--out <dir>', 'output folder (default: runs/<name>)')
    .option('--parallel <n>', 'worker processes (default: execution.parallelism, at most the CPU count)')
    .option('--yes', 'accept a sweep of more than 5000 trials')
    .option('--retry-failed', 'run trials that failed in an earlier run again')
    .option('--metrics-port <n>', 'serve Prometheus /metrics on this port while the sweep runs')
    .option('--metrics-host <host>', 'address of the /metrics endpoint (default 127.0.0.1)')
    .option('--web-config <file>', 'TLS of the /metrics endpoint, a Prometheus web config file')
    .option('--pack <auto|off|n>', 'trial packing, overriding execution.pack: auto, off, or at most N trials per pack')
    .option('--skip-preflight', 'run without the spec\'s coord check (recorded in the output folder)');
  addDataRootOption(cmd)
    .action(async (file: string, flags: RunFlags) => {
      const parallel = parseParallel(flags.parallel);
      const pack = parsePack(flags.pack);
      const resolved = await loadSpec(file, { yes: !!flags.yes, commandTrainer: true });
      const data = dataAccessFromFlags(file, flags);
      if (!isCommandSweep(resolved)) preflightFileTasks(resolved.plans, data, file);
      const out = flags.out ?? join('runs', resolved.spec.name);
      const cpus = availableParallelism();
      // an explicit --parallel is used as given (the default is capped to the CPUs): say what it costs
      if (parallel !== undefined && parallel > cpus) process.stderr.write(`sweep: note: --parallel ${parallel} is more than the ${cpus} CPU${cpus === 1 ? '' : 's'} of this machine; the workers share them\n`);
      // Prometheus /metrics of this run (workers/telemetry): live losses, outcomes, fits.
      const telemetry = await telemetryFromFlags({ port: flags.metricsPort, host: flags.metricsHost, webConfig: flags.webConfig }, { service: 'embedded' }, {})
        .catch((err: Error) => { throw new UsageError(err.message); });
      if (telemetry?.server) process.stderr.write(`sweep: metrics on ${telemetry.server.url}\n`);

      // Ctrl-C: stop the workers and close the files cleanly; a second Ctrl-C exits at once
      // (every line already written is complete, and the next run tidies the rest).
      const ac = new AbortController();
      const onSignal = (sig: NodeJS.Signals) => {
        if (ac.signal.aborted) process.exit(130);
        process.stderr.write(`\nsweep: ${sig}: stopping workers (again to quit at once)\n`);
        ac.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      let result;
      try {
        result = await runSweep(resolved, {
          out,
          parallel,
          progress: createProgress(),
          signal: ac.signal,
          retryFailed: !!flags.retryFailed,
          inheritOutput: !!process.env.SWEEP_DEBUG,
          data,
          hooks: telemetry?.hooks,
          skipPreflight: !!flags.skipPreflight,
          pack,
          // a command trainer runs in the spec's folder, so its command may name files beside it
          cwd: dirname(resolve(file)),
        });
      } catch (err) {
        if (err instanceof OutputFolderError) throw new UsageError(err.message);
        throw err;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await telemetry?.close();
      }
      const c = result.counts;
      if (result.interrupted) {
        console.error(`sweep: interrupted: ${result.done} of ${result.total} trials done (saved in ${out}); run the same command again to resume`);
        process.exitCode = 130;
        return;
      }
      if (result.analysis) {
        for (const line of describeSummary(result.analysis.summary).slice(1)) console.log(line);
        console.log(`wrote ${result.analysis.summaryPath}${result.analysis.reportPath ? ` and ${result.analysis.reportPath}` : ''}`);
      }
      const others = result.foreign ? `; the folder also holds ${result.foreign} trial${result.foreign === 1 ? '' : 's'} outside this spec` : '';
      console.log(`sweep ${resolved.spec.name}: ${result.done} trials done (${c.succeeded} succeeded, ${c.diverged} diverged, ${c.failed} failed; ${result.ranNow} run now${others}) → ${out}`);
      if (result.failedInPlan) {
        // the sweep went on, but a CI job or a script must notice
        const n = result.failedInPlan;
        console.error(`sweep: ${n} trial${n === 1 ? '' : 's'} failed (errors in ${join(out, 'trials.jsonl')}); fix the cause and run again with --retry-failed`);
        process.exitCode = 1;
      }
    });
}
