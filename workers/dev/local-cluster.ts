// The local cluster of `sweep dev`: the Temporal dev server (state in a SQLite file), nats-server
// with JetStream (file store), an orchestrator worker and, if asked, Prometheus scraping the
// worker and Temporal, all on loopback with their data and logs in one folder. Started in
// dependency order and stopped in the reverse one (the worker first, so it hands its trials back
// while the servers are still up).
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { FolderLock, FolderLockedError } from '../../core/output/lock.js';
import { OutputFolderError } from '../../core/output/folder-access.js';
import { UsageError } from '../usage-error.js';
import { findBinary } from './binaries.js';
import { forgetProcesses, killLeftovers, recordProcesses } from './leftovers.js';
import { HOST, reservePorts, type PortRequest } from './ports.js';
import { startService, waitReady, type Exit, type Service } from './service.js';

const ORCHESTRATOR = fileURLToPath(new URL('../orchestrator.js', import.meta.url));

export interface LocalClusterOptions {
  dir: string;
  temporalPort: number;
  /** the Temporal web UI's port; null: no UI */
  uiPort: number | null;
  natsPort: number;
  /** the worker's /metrics port */
  metricsPort: number;
  /** Prometheus' port; null: no Prometheus */
  prometheusPort: number | null;
  taskQueue: string;
  maxTrials?: number;
  startTimeoutMs?: number;
}

export interface Addresses {
  dir: string;
  logDir: string;
  temporal: { address: string; namespace: string; ui?: string };
  nats: { url: string; monitor: string };
  worker: { taskQueue: string; metrics: string };
  prometheus?: { url: string };
  /** processes an earlier, killed `sweep dev` had left running and this start stopped */
  leftovers: string[];
}

const GRACE_MS: Record<string, number> = { worker: 20_000, prometheus: 10_000, 'nats-server': 10_000, temporal: 15_000 };

async function httpOk(url: string, body?: (json: unknown) => boolean): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
  if (!res.ok) return false;
  return body ? body(await res.json()) : true;
}

/** Keeps the previous run's log as NAME.log.1 and starts a fresh one. */
function freshLog(logDir: string, name: string): string {
  const path = join(logDir, `${name}.log`);
  if (existsSync(path)) renameSync(path, `${path}.1`);
  return path;
}

export class LocalCluster {
  readonly services: Service[] = [];
  private lock: FolderLock | undefined;
  private stopping: Promise<void> | undefined;
  private readonly aborted = new AbortController();
  /** resolves when stop() is first called */
  readonly stopRequested: Promise<void> = new Promise((resolve) => this.aborted.signal.addEventListener('abort', () => resolve(), { once: true }));

  constructor(private readonly o: LocalClusterOptions) {}

  /** whether stop() was called */
  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  /**
   * Starts every service and waits until each answers. Refusals (a missing binary, a busy
   * port, the folder in use) are UsageErrors thrown before anything starts; a failure later
   * stops what was started.
   */
  async start(): Promise<Addresses> {
    const o = this.o;
    const bins = {
      temporal: findBinary('temporal'),
      nats: findBinary('nats-server'),
      prometheus: o.prometheusPort === null ? undefined : findBinary('prometheus'),
    };
    const requests: PortRequest[] = [
      { what: 'Temporal', port: o.temporalPort, flag: '--temporal-port' },
      { what: 'NATS', port: o.natsPort, flag: '--nats-port' },
      { what: 'worker metrics', port: o.metricsPort, flag: '--metrics-port' },
      { what: 'Temporal HTTP API', port: 0 },
      { what: 'Temporal metrics', port: 0 },
      { what: 'NATS monitoring', port: 0 },
    ];
    if (o.uiPort !== null) requests.push({ what: 'Temporal UI', port: o.uiPort, flag: '--ui-port' });
    if (o.prometheusPort !== null) requests.push({ what: 'Prometheus', port: o.prometheusPort, flag: '--prometheus-port' });
    const dir = resolve(o.dir);
    try {
      this.lock = FolderLock.acquire(dir, 'sweep dev', { create: true });
    } catch (err) {
      if (err instanceof FolderLockedError || err instanceof OutputFolderError) throw new UsageError(err.message);
      throw err;
    }
    try {
      return await this.startIn(dir, bins, requests);
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  private async startIn(dir: string, bins: { temporal: string; nats: string; prometheus?: string }, requests: PortRequest[]): Promise<Addresses> {
    const o = this.o;
    const signal = this.aborted.signal;
    const leftovers = killLeftovers(dir);
    const [temporalPort, natsPort, metricsPort, httpPort, temporalMetricsPort, monitorPort, ...rest] = await reservePorts(requests);
    const uiPort = o.uiPort === null ? undefined : rest.shift();
    const prometheusPort = o.prometheusPort === null ? undefined : rest.shift();
    const logDir = join(dir, 'logs');
    mkdirSync(logDir, { recursive: true });
    mkdirSync(join(dir, 'nats'), { recursive: true });
    const timeout = o.startTimeoutMs ?? 120_000;
    const launch = (name: string, cmd: string, args: string[], cwd = dir) => {
      signal.throwIfAborted();
      const s = startService(name, cmd, args, { logFile: freshLog(logDir, name), cwd });
      this.services.push(s);
      recordProcesses(dir, this.services);
      return s;
    };

    const temporal = launch('temporal', bins.temporal, [
      'server', 'start-dev', '--ip', HOST, '--port', String(temporalPort), '--http-port', String(httpPort),
      '--metrics-port', String(temporalMetricsPort), '--db-filename', join(dir, 'temporal.sqlite'), '--log-level', 'warn',
      // a trial's activity comes back in the reply to the workflow task that schedules it (bench/temporal-10k.ts)
      '--dynamic-config-value', 'system.enableActivityEagerExecution=true',
      ...(uiPort === undefined ? ['--headless'] : ['--ui-port', String(uiPort)]),
    ]);
    const nats = launch('nats-server', bins.nats, [
      '-a', HOST, '-p', String(natsPort), '-m', String(monitorPort), '-js', '-sd', join(dir, 'nats'), '-n', 'sweep-dev',
    ]);
    await Promise.all([
      waitReady(temporal, () => httpOk(`http://${HOST}:${httpPort}/api/v1/namespaces/default`,
        (b) => (b as { namespaceInfo?: { state?: string } }).namespaceInfo?.state === 'NAMESPACE_STATE_REGISTERED'), timeout, signal),
      waitReady(nats, () => httpOk(`http://${HOST}:${monitorPort}/healthz`), timeout, signal),
    ]);

    const temporalAddress = `${HOST}:${temporalPort}`;
    const natsUrl = `nats://${HOST}:${natsPort}`;
    const worker = launch('worker', process.execPath, [
      ORCHESTRATOR, '--temporal', temporalAddress, '--namespace', 'default', '--task-queue', o.taskQueue, '--nats', natsUrl,
      '--trainer-nats', natsUrl, '--metrics-port', String(metricsPort), '--metrics-host', HOST,
      ...(o.maxTrials ? ['--max-trials', String(o.maxTrials)] : []),
    ]);
    // the worker writes this line once it polls its task queue
    await waitReady(worker, async () => /orchestrator: pid \d+/.test(await readFile(worker.logFile, 'utf8')), timeout, signal);

    let prometheus: Addresses['prometheus'];
    if (prometheusPort !== undefined && bins.prometheus) {
      const pdir = join(dir, 'prometheus');
      mkdirSync(pdir, { recursive: true });
      const config = join(pdir, 'prometheus.yml');
      writeFileSync(config, stringify({
        global: { scrape_interval: '5s', evaluation_interval: '5s' },
        scrape_configs: [
          { job_name: 'sweep-worker', static_configs: [{ targets: [`${HOST}:${metricsPort}`] }] },
          { job_name: 'temporal', static_configs: [{ targets: [`${HOST}:${temporalMetricsPort}`] }] },
        ],
      }));
      const url = `http://${HOST}:${prometheusPort}`;
      const prom = launch('prometheus', bins.prometheus, [
        `--config.file=${config}`, `--storage.tsdb.path=${join(pdir, 'data')}`, '--storage.tsdb.retention.time=7d',
        `--web.listen-address=${HOST}:${prometheusPort}`, '--log.level=warn',
      ], pdir);
      await waitReady(prom, () => httpOk(`${url}/-/ready`), timeout, signal);
      prometheus = { url };
    }
    return {
      dir,
      logDir,
      temporal: { address: temporalAddress, namespace: 'default', ...(uiPort === undefined ? {} : { ui: `http://${HOST}:${uiPort}` }) },
      nats: { url: natsUrl, monitor: `http://${HOST}:${monitorPort}` },
      worker: { taskQueue: o.taskQueue, metrics: `http://${HOST}:${metricsPort}/metrics` },
      ...(prometheus ? { prometheus } : {}),
      leftovers,
    };
  }

  /** Resolves when a service ends on its own (never for an end during stop()). */
  async unexpectedExit(): Promise<{ service: Service; exit: Exit }> {
    const r = await Promise.race(this.services.map((s) => s.exited.then((exit) => ({ service: s, exit }))));
    if (this.stopping) await new Promise(() => undefined);
    return r;
  }

  /** Stops every service, the last started first (also one still starting); safe to call more than once. */
  stop(): Promise<void> {
    this.aborted.abort(new Error('sweep dev is stopping'));
    return (this.stopping ??= (async () => {
      for (const s of [...this.services].reverse()) await s.stop(GRACE_MS[s.name] ?? 10_000);
      if (this.lock) {
        forgetProcesses(this.lock.dir);
        this.lock.release();
      }
    })());
  }

  /** SIGKILL to every service at once (a second Ctrl-C). */
  kill(): void {
    for (const s of this.services) s.kill();
  }
}
