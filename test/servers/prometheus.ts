// Debian's Prometheus on a free loopback port for one test file: a generated config scraping the
// given targets every second (rule files evaluated every second), temp storage with short
// retention, the HTTP API wrapped for assertions, and promtool for rule checks.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { spawnChild, type Child } from './children.js';
import { freePort } from './free-port.js';

export interface ScrapeTarget {
  job: string;
  /** host:port of each /metrics endpoint (loopback only) */
  targets: string[];
  labels?: Record<string, string>;
  metricsPath?: string;
  /** https, with Prometheus' tls_config (ca_file, cert_file, key_file, server_name) */
  scheme?: 'http' | 'https';
  tlsConfig?: Record<string, string>;
  /** Prometheus' basic_auth of the scrape */
  basicAuth?: { username: string; password: string };
}

export interface PrometheusOptions {
  targets?: ScrapeTarget[];
  /** rule files to load (absolute paths) */
  ruleFiles?: string[];
  scrapeIntervalSec?: number;
  evaluationIntervalSec?: number;
  startTimeoutMs?: number;
}

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface PromRangeSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

export interface PromAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing' | 'inactive';
  activeAt?: string;
  value: string;
}

export interface PromTarget {
  labels: Record<string, string>;
  scrapeUrl: string;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
  lastScrape: string;
}

export interface PromRuleGroup {
  name: string;
  lastEvaluation: string;
  rules: { name: string; health: string; lastError?: string; state?: string; alerts?: PromAlert[] }[];
}

export interface PrometheusServer {
  /** http://127.0.0.1:port */
  url: string;
  port: number;
  log(): string;
  /** instant query; throws with Prometheus' error message on a bad expression */
  query(expr: string, timeSec?: number): Promise<PromSample[]>;
  queryRange(expr: string, startSec: number, endSec: number, stepSec: number): Promise<PromRangeSeries[]>;
  targets(): Promise<PromTarget[]>;
  alerts(): Promise<PromAlert[]>;
  ruleGroups(): Promise<PromRuleGroup[]>;
  /** resolves once every rule group was evaluated after `sinceMs` (so it saw data scraped before) */
  waitForRuleEvaluation(sinceMs: number, timeoutMs?: number): Promise<void>;
  /** rewrites the config with these targets and reloads it */
  setTargets(targets: ScrapeTarget[]): Promise<void>;
  /** resolves once every target has been scraped successfully after `sinceMs` (default: now) */
  waitForScrape(opts?: { sinceMs?: number; timeoutMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

export function scrapeConfig(opts: PrometheusOptions): string {
  const scrape = opts.scrapeIntervalSec ?? 1;
  const doc = {
    global: {
      // milliseconds: Prometheus durations take no fractions; the timeout stays within the interval
      scrape_interval: `${Math.round(scrape * 1000)}ms`,
      scrape_timeout: `${Math.round(Math.max(100, scrape * 800))}ms`,
      evaluation_interval: `${opts.evaluationIntervalSec ?? 1}s`,
    },
    rule_files: opts.ruleFiles ?? [],
    scrape_configs: (opts.targets ?? []).map((t) => ({
      job_name: t.job,
      metrics_path: t.metricsPath ?? '/metrics',
      ...(t.scheme ? { scheme: t.scheme } : {}),
      ...(t.tlsConfig ? { tls_config: t.tlsConfig } : {}),
      ...(t.basicAuth ? { basic_auth: t.basicAuth } : {}),
      static_configs: [{ targets: t.targets, labels: t.labels ?? {} }],
    })),
  };
  for (const t of opts.targets ?? []) {
    for (const addr of t.targets) {
      if (!/^(127\.0\.0\.1|localhost|\[::1\]):\d+$/.test(addr)) throw new Error(`prometheus: scrape target ${addr} is not on loopback`);
    }
  }
  return stringify(doc);
}

export async function startPrometheus(opts: PrometheusOptions = {}): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sweep-prometheus-'));
  const configFile = join(dir, 'prometheus.yml');
  let current = opts;
  writeFileSync(configFile, scrapeConfig(current));
  const timeout = opts.startTimeoutMs ?? 30_000;
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawnChild('prometheus', [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, `data-${attempt}`)}`,
      '--storage.tsdb.retention.time=1h',
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
      '--log.level=warn',
    ], { cwd: dir });
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitReady(child, url, timeout);
    } catch (err) {
      lastError = err;
      await child.kill('SIGKILL');
      continue;
    }
    const api = async <T>(path: string, params: Record<string, string> = {}): Promise<T> => {
      const res = await fetch(`${url}/api/v1/${path}?${new URLSearchParams(params)}`, { signal: AbortSignal.timeout(10_000) });
      const body = (await res.json()) as { status: string; data: T; error?: string; errorType?: string };
      if (body.status !== 'success') throw new Error(`prometheus ${path} ${JSON.stringify(params)}: ${body.errorType}: ${body.error}`);
      return body.data;
    };
    const server: PrometheusServer = {
      url,
      port,
      log: () => child.output(),
      async query(expr, timeSec) {
        const params: Record<string, string> = { query: expr };
        if (timeSec !== undefined) params.time = String(timeSec);
        return (await api<{ result: PromSample[] }>('query', params)).result;
      },
      async queryRange(expr, startSec, endSec, stepSec) {
        return (await api<{ result: PromRangeSeries[] }>('query_range', { query: expr, start: String(startSec), end: String(endSec), step: String(stepSec) })).result;
      },
      async targets() {
        return (await api<{ activeTargets: PromTarget[] }>('targets')).activeTargets;
      },
      async alerts() {
        return (await api<{ alerts: PromAlert[] }>('alerts')).alerts;
      },
      async ruleGroups() {
        return (await api<{ groups: PromRuleGroup[] }>('rules')).groups;
      },
      async waitForRuleEvaluation(sinceMs, timeoutMs = 20_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const groups = await server.ruleGroups();
          if (groups.length && groups.every((g) => Date.parse(g.lastEvaluation) > sinceMs)) return;
          if (Date.now() > deadline) throw new Error(`prometheus: rule groups not evaluated within ${timeoutMs} ms: ${JSON.stringify(groups.map((g) => [g.name, g.lastEvaluation]))}`);
          await new Promise((r) => setTimeout(r, 200));
        }
      },
      async setTargets(targets) {
        current = { ...current, targets };
        writeFileSync(configFile, scrapeConfig(current));
        const res = await fetch(`${url}/-/reload`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
        if (!res.ok) throw new Error(`prometheus reload: HTTP ${res.status}: ${await res.text()}`);
      },
      async waitForScrape(w = {}) {
        const since = w.sinceMs ?? Date.now();
        const deadline = Date.now() + (w.timeoutMs ?? 20_000);
        for (;;) {
          const ts = await server.targets();
          const done = ts.length > 0 && ts.every((t) => t.health === 'up' && Date.parse(t.lastScrape) > since);
          if (done) return;
          if (Date.now() > deadline) throw new Error(`prometheus: targets not scraped within ${w.timeoutMs ?? 20_000} ms: ${JSON.stringify(ts.map((t) => ({ url: t.scrapeUrl, health: t.health, lastError: t.lastError, lastScrape: t.lastScrape })))}`);
          await new Promise((r) => setTimeout(r, 200));
        }
      },
      async stop() {
        await child.kill('SIGTERM');
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return server;
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError;
}

async function waitReady(child: Child, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.exited.then(() => { exited = true; });
  while (Date.now() < deadline) {
    if (exited) throw new Error(`prometheus exited during start-up: ${child.output().slice(-2000)}`);
    try {
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`prometheus not ready within ${timeoutMs} ms: ${child.output().slice(-2000)}`);
}

export interface PromtoolResult {
  code: number;
  output: string;
}

/** Runs `promtool ARGS` (check rules, test rules, check config) with a time limit. */
export function promtool(args: string[], cwd?: string): Promise<PromtoolResult> {
  return new Promise((resolve) => {
    execFile('promtool', args, { cwd, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? (err as unknown as { code: number }).code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}
