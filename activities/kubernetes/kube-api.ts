// Every Kubernetes API call of the executor goes through here: a token-bucket rate limit, a
// count per operation (benchmarks report API calls per trial), and retries of transient errors
// (API server restarting, 429 throttling, 5xx) with backoff, so a control-plane blip does not
// fail a trial. Errors that are not transient reach the caller with a one-line message.
import { createHash } from 'node:crypto';
import type { Agent } from 'node:http';
import { BatchV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { TokenBucket } from './rate-limiter.js';
import { backoff, retry } from '../../core/retry.js';
import { firstLine } from '../../core/error-message.js';

export interface KubeApiOptions {
  /** sustained API calls per second (default 50) */
  qps?: number;
  /** calls allowed at once after a pause (default 100) */
  burst?: number;
  /** how long a transient error is retried before giving up (default 120 s) */
  retryForMs?: number;
  /** told of every failed call, retried or not (telemetry); must not throw */
  onError?: (op: string, err: unknown) => void;
}

const TRANSIENT_NET = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET']);
const TRANSIENT_HTTP = new Set([429, 500, 502, 503, 504]);

/** HTTP status of an API error (ApiException.code), or undefined for network errors. */
export function apiStatus(err: unknown): number | undefined {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

export function isTransient(err: unknown): boolean {
  const status = apiStatus(err);
  if (status !== undefined) return TRANSIENT_HTTP.has(status);
  const e = err as { code?: unknown; errno?: unknown; type?: unknown; message?: unknown; name?: unknown };
  if (e?.name === 'AbortError') return false;
  if (typeof e?.code === 'string' && TRANSIENT_NET.has(e.code)) return true;
  if (typeof e?.errno === 'string' && TRANSIENT_NET.has(e.errno)) return true;
  // node-fetch's own timeout (FetchError type 'request-timeout'); a cause chain carries the socket's code
  if (e?.type === 'request-timeout') return true;
  const cause = (err as { cause?: unknown })?.cause;
  return cause !== undefined && cause !== err ? isTransient(cause) : false;
}

/** "403 Forbidden: jobs.batch is forbidden: User … cannot create …" — one line. */
export function describeApiError(err: unknown): string {
  const status = apiStatus(err);
  if (status === undefined) return firstLine(err);
  const body = (err as { body?: unknown }).body;
  let message = '';
  let reason = '';
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: string; reason?: string };
      message = parsed.message ?? '';
      reason = parsed.reason ?? '';
    } catch {
      message = body.slice(0, 300);
    }
  } else if (body && typeof body === 'object') {
    message = String((body as { message?: unknown }).message ?? '');
    reason = String((body as { reason?: unknown }).reason ?? '');
  }
  return firstLine(`${status}${reason ? ` ${reason}` : ''}${message ? `: ${message}` : ''}`);
}

function retryAfterMs(err: unknown): number | undefined {
  const h = (err as { headers?: Record<string, string> })?.headers;
  const v = h?.['retry-after'] ?? h?.['Retry-After'];
  const n = v === undefined ? NaN : Number(v);
  return Number.isFinite(n) ? n * 1000 : undefined;
}

type AgentFactory = (cluster: { server?: string; proxyUrl?: string } | null, opts: Record<string, unknown>) => Agent;

/**
 * A view of `kc` whose requests share keep-alive connections. client-node 1.4 builds a new
 * https.Agent — so a new TLS connection and handshake — for every request, which dominates the
 * CPU time of a worker launching hundreds of trials. The view caches one keep-alive agent per
 * set of agent options; `close()` destroys them. If the library's (private) factory is not there
 * (another client-node version), `kc` is returned unchanged.
 */
export function withConnectionReuse(kc: KubeConfig): { kc: KubeConfig; close(): void } {
  const base = kc as unknown as { createAgent?: AgentFactory };
  if (typeof base.createAgent !== 'function') return { kc, close: () => undefined };
  const agents = new Map<string, Agent>();
  const view = Object.create(kc) as { createAgent: AgentFactory };
  view.createAgent = (cluster, opts) => {
    const key = createHash('sha256').update(JSON.stringify([cluster?.server, cluster?.proxyUrl, opts])).digest('hex');
    let agent = agents.get(key);
    if (!agent) {
      agent = base.createAgent!.call(kc, cluster, { ...opts, keepAlive: true });
      agents.set(key, agent);
    }
    return agent;
  };
  return { kc: view as unknown as KubeConfig, close: () => { for (const a of agents.values()) a.destroy(); agents.clear(); } };
}

export class KubeApi {
  readonly batch: BatchV1Api;
  readonly core: CoreV1Api;
  readonly limiter: TokenBucket;
  /** calls made, by operation (including retries) */
  readonly calls = new Map<string, number>();
  private readonly retryForMs: number;
  /** the KubeConfig every call and watch of this API uses (connections reused) */
  readonly kc: KubeConfig;
  private readonly closeAgents: () => void;
  private readonly onError?: (op: string, err: unknown) => void;

  constructor(kubeConfig: KubeConfig, opts: KubeApiOptions = {}) {
    const reuse = withConnectionReuse(kubeConfig);
    this.kc = reuse.kc;
    this.closeAgents = reuse.close;
    this.batch = this.kc.makeApiClient(BatchV1Api);
    this.core = this.kc.makeApiClient(CoreV1Api);
    this.limiter = new TokenBucket(opts.qps ?? 50, opts.burst ?? 100);
    this.retryForMs = opts.retryForMs ?? 120_000;
    this.onError = opts.onError;
  }

  get totalCalls(): number {
    let n = 0;
    for (const v of this.calls.values()) n += v;
    return n;
  }

  /** Counts one call of `op` after taking a rate-limit token (for calls made elsewhere, e.g. watches). */
  async admit(op: string, signal?: AbortSignal): Promise<void> {
    await this.limiter.take(signal);
    this.calls.set(op, (this.calls.get(op) ?? 0) + 1);
  }

  /** Reports a failed call of `op` (also for calls made elsewhere, e.g. watches). */
  failed(op: string, err: unknown): void {
    try {
      this.onError?.(op, err);
    } catch {
      // reporting must not change what the caller sees
    }
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.closeAgents();
  }

  /** Runs `fn` under the rate limit, retrying transient failures (unless `retry` is false). */
  async call<T>(op: string, fn: () => Promise<T>, opts: { signal?: AbortSignal; retry?: boolean } = {}): Promise<T> {
    const deadline = Date.now() + this.retryForMs;
    const delay = backoff(200, 5000);
    return retry(async () => {
      await this.admit(op, opts.signal);
      try {
        return await fn();
      } catch (err) {
        this.failed(op, err);
        throw err;
      }
    }, {
      // the server's Retry-After (429, 503) wins over our own pace
      delayMs: (attempt, err) => retryAfterMs(err) ?? delay(attempt),
      retryIf: (err, attempt) => opts.retry !== false && isTransient(err) && Date.now() + delay(attempt) <= deadline && !opts.signal?.aborted,
      signal: opts.signal,
    });
  }
}
