// `sweep dev`: a local cluster on this machine, for trying the cluster mode (or developing it)
// without Kubernetes. It starts the Temporal dev server, nats-server with JetStream, an
// orchestrator worker and, with --prometheus, Prometheus, all on loopback with data and logs in
// one folder; prints the addresses and the commands to type next; and on Ctrl-C (or SIGTERM)
// stops them all, the worker first. A second Ctrl-C kills them at once.
import { existsSync } from 'node:fs';
import { basename, isAbsolute, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { DEFAULT_TASK_QUEUE } from '../../workflows/types.js';
import { parseIntegerOption } from '../integer-option.js';
import { LocalCluster, type Addresses } from '../dev/local-cluster.js';

interface DevFlags {
  dir: string;
  temporalPort: string;
  uiPort?: string;
  ui: boolean;
  natsPort: string;
  metricsPort: string;
  prometheus: boolean;
  prometheusPort: string;
  taskQueue: string;
  maxTrials?: string;
}

const port = (v: string, flag: string) => parseIntegerOption(v, flag, 0, 65535);

/** A path as the user can type it here: relative below the working directory, else absolute. */
function show(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel || '.';
}

/** How the user runs this CLI: `sweep` through the bin link, else `node PATH`. */
function cliCommand(): string {
  const script = process.argv[1] ?? 'sweep';
  return basename(script) === 'sweep' ? 'sweep' : `node ${show(script)}`;
}

/** The quickstart spec as the user can name it from here. */
function quickstartPath(): string {
  const shipped = fileURLToPath(new URL('../../../examples/quickstart.yaml', import.meta.url));
  if (!existsSync(shipped)) return 'SPEC.yaml';
  return show(shipped);
}

function banner(a: Addresses, defaultQueue: boolean): string {
  const sweep = cliCommand();
  const env = [`SWEEP_TEMPORAL_ADDRESS=${a.temporal.address}`, `SWEEP_NATS_URL=${a.nats.url}`];
  if (!defaultQueue) env.push(`SWEEP_TASK_QUEUE=${a.worker.taskQueue}`);
  const queueFlag = defaultQueue ? '' : ` --task-queue ${a.worker.taskQueue}`;
  const lines = [
    `sweep dev: local cluster ready; data and logs in ${show(a.dir)}`,
    `  Temporal    ${a.temporal.address} (namespace ${a.temporal.namespace}${a.temporal.ui ? `, web UI ${a.temporal.ui}` : ''})`,
    `  NATS        ${a.nats.url} (JetStream, store in ${show(a.dir)}/nats)`,
    `  worker      task queue ${a.worker.taskQueue}, metrics ${a.worker.metrics}`,
    ...(a.prometheus ? [`  Prometheus  ${a.prometheus.url}`] : []),
    `  logs        ${show(a.logDir)}/`,
    '',
    'Next, in another terminal:',
    `  export ${env.join(' ')}`,
    `  ID=$(${sweep} submit ${quickstartPath()})`,
    `  ${sweep} status "$ID"; ${sweep} watch "$ID"`,
    `  ${sweep} report "$ID" --out runs/quickstart-cluster`,
    `or with flags: ${sweep} submit ${quickstartPath()} --temporal ${a.temporal.address} --nats ${a.nats.url}${queueFlag} --wait`,
    '',
    `Ctrl-C stops everything; the sweeps stay in ${show(a.dir)} for the next sweep dev.`,
  ];
  return `${lines.join('\n')}\n`;
}

export function register(program: Command): void {
  program
    .command('dev')
    .description('run a local cluster (Temporal dev server, NATS JetStream, a worker) on loopback until Ctrl-C')
    .option('--dir <dir>', 'data and logs of the local cluster (kept between runs)', 'runs/dev-cluster')
    .option('--temporal-port <n>', 'Temporal frontend port (0: any free port)', '7233')
    .option('--ui-port <n>', 'Temporal web UI port (default: the Temporal port + 1000; 0: any free port)')
    .option('--no-ui', 'no Temporal web UI')
    .option('--nats-port <n>', 'NATS port (0: any free port)', '4222')
    .option('--metrics-port <n>', 'the worker\'s Prometheus /metrics port (0: any free port)', '0')
    .option('--prometheus', 'also run Prometheus, scraping the worker and Temporal')
    .option('--prometheus-port <n>', 'Prometheus port (0: any free port)', '9090')
    .option('--task-queue <queue>', 'the worker\'s task queue', DEFAULT_TASK_QUEUE)
    .option('--max-trials <n>', 'trial attempts the worker runs at once (default: the CPU count)')
    .action(async (flags: DevFlags) => {
      const temporalPort = port(flags.temporalPort, '--temporal-port');
      const uiPort = !flags.ui ? null
        : flags.uiPort !== undefined ? port(flags.uiPort, '--ui-port')
          : temporalPort === 0 || temporalPort + 1000 > 65535 ? 0 : temporalPort + 1000;
      const cluster = new LocalCluster({
        dir: flags.dir,
        temporalPort,
        uiPort,
        natsPort: port(flags.natsPort, '--nats-port'),
        metricsPort: port(flags.metricsPort, '--metrics-port'),
        prometheusPort: flags.prometheus ? port(flags.prometheusPort, '--prometheus-port') : null,
        taskQueue: flags.taskQueue,
        ...(flags.maxTrials !== undefined ? { maxTrials: parseIntegerOption(flags.maxTrials, '--max-trials', 1) } : {}),
      });
      let signals = 0;
      const onSignal = (sig: NodeJS.Signals) => {
        signals++;
        if (signals === 1) {
          process.stderr.write(`sweep dev: ${sig === 'SIGINT' ? 'Ctrl-C' : sig}: stopping the worker, NATS and Temporal (Ctrl-C again kills them at once)\n`);
          void cluster.stop();
          return;
        }
        cluster.kill();
        process.stderr.write('sweep dev: killed\n');
        process.exit(130);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        process.stderr.write('sweep dev: starting Temporal, NATS and a worker…\n');
        let a: Addresses;
        try {
          a = await cluster.start();
        } catch (err) {
          // a signal during start-up: stop() already ran, nothing to report
          if (cluster.isStopping && signals > 0) {
            process.stderr.write('sweep dev: stopped before it was ready\n');
            process.exitCode = 130;
            return;
          }
          throw err;
        }
        if (a.leftovers.length) process.stderr.write(`sweep dev: stopped what an earlier sweep dev left running: ${a.leftovers.join(', ')}\n`);
        process.stdout.write(banner(a, flags.taskQueue === DEFAULT_TASK_QUEUE));
        const ended = await Promise.race([cluster.unexpectedExit(), cluster.stopRequested.then(() => undefined)]);
        if (ended) {
          const how = ended.exit.signal ? `signal ${ended.exit.signal}` : `code ${ended.exit.code}`;
          process.stderr.write(`sweep dev: ${ended.service.name} exited (${how}); ${ended.service.logFile} ends: ${ended.service.lastLogLine()}\n`);
          process.stderr.write('sweep dev: stopping the others\n');
          await cluster.stop();
          process.exitCode = 1;
          return;
        }
        await cluster.stop();
        process.stderr.write(`sweep dev: stopped; data kept in ${show(a.dir)}\n`);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
