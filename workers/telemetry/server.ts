// The /metrics endpoint of a process: Prometheus text format from its own registry, on its own
// port (never Temporal core's metrics port). Binds 127.0.0.1 unless told otherwise; in a pod
// the chart sets the host to 0.0.0.0 so Prometheus can reach it. A web config (web-config.ts)
// turns on TLS, with client certificates if it asks for them, and basic auth of every request.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { WebConfig } from './web-config.js';
import type { Registry } from 'prom-client';
import { errorMessage } from '../../core/error-message.js';

export interface MetricsServer {
  host: string;
  port: number;
  /** http(s)://host:port/metrics */
  url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(registry: Registry, opts: { port?: number; host?: string; web?: WebConfig } = {}): Promise<MetricsServer> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`metrics port: must be a whole number 0-65535, got ${port}`);
  const web = opts.web;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    for (const [k, v] of Object.entries(web?.headers ?? {})) res.setHeader(k, v);
    if (web?.verifyIfGiven) {
      const socket = req.socket as TLSSocket;
      if (Object.keys(socket.getPeerCertificate?.() ?? {}).length && !socket.authorized) {
        res.writeHead(403, { 'content-type': 'text/plain' }).end('client certificate not trusted\n');
        return;
      }
    }
    if (web?.basicAuth) {
      web.basicAuth.check(req.headers.authorization).then(
        (ok) => ok ? serve(req, res) : res.writeHead(401, { 'www-authenticate': 'Basic', 'content-type': 'text/plain' }).end('Unauthorized\n'),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`checking credentials failed: ${errorMessage(err)}\n`),
      );
      return;
    }
    serve(req, res);
  };
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(req.method === 'HEAD' ? undefined : body),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`collecting metrics failed: ${errorMessage(err)}\n`),
    );
  };
  const server: Server = web?.tls ? createTlsServer(web.tls, handler) : createServer(handler);
  // A scrape must never keep the process alive or wait on an idle keep-alive socket at close.
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`metrics server: cannot listen on ${host}:${port}: ${err.code ?? err.message}`)));
    server.listen(port, host, () => resolve());
  });
  server.unref();
  const bound = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    host,
    port: bound,
    url: `${web?.tls ? 'https' : 'http'}://${shown}:${bound}/metrics`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
