// The kubelet's container-log endpoint (GET /containerLogs/{namespace}/{pod}/{container}),
// which kube-apiserver proxies `pods/log` requests to. Served over TLS on 127.0.0.1 with a
// certificate from the test CA, so the API server verifies it (--kubelet-certificate-authority).
// Supports tailLines, limitBytes and follow, the parameters log readers use.
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface LogSource {
  file: string;
  /** true while the container may still write to the file (follow keeps streaming) */
  running(): boolean;
}

export type LogLookup = (namespace: string, pod: string, container: string | undefined) => LogSource | undefined;

export function tailOf(text: string, tailLines?: number, limitBytes?: number): string {
  let out = text;
  if (tailLines !== undefined && tailLines >= 0) {
    const lines = out.split('\n');
    if (lines.at(-1) === '') lines.pop();
    out = lines.slice(Math.max(0, lines.length - tailLines)).map((l) => `${l}\n`).join('');
  }
  if (limitBytes !== undefined && limitBytes > 0) out = Buffer.from(out).subarray(0, limitBytes).toString('utf8');
  return out;
}

export async function startKubeletLogServer(tls: { cert: string; key: string }, lookup: LogLookup): Promise<{ port: number; server: Server; close(): Promise<void> }> {
  const server = createServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const m = /^\/containerLogs\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/.exec(url.pathname);
    if (req.method !== 'GET' || !m) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`the test node agent serves only /containerLogs, not ${url.pathname}\n`);
      return;
    }
    const [, ns, pod, container] = m.map((s) => (s === undefined ? s : decodeURIComponent(s)));
    const src = lookup(ns, pod, container);
    if (!src) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`container ${container ?? ''} of pod ${ns}/${pod} is not known on this node\n`);
      return;
    }
    const num = (k: string) => (url.searchParams.has(k) ? Number(url.searchParams.get(k)) : undefined);
    let text = '';
    try { text = readFileSync(src.file, 'utf8'); } catch { /* not started yet: empty log */ }
    res.writeHead(200, { 'content-type': 'text/plain' });
    const body = tailOf(text, num('tailLines'), num('limitBytes'));
    if (url.searchParams.get('follow') !== 'true') { res.end(body); return; }
    res.write(body);
    // follow: stream what is appended until the container stops or the client goes away
    let offset = Buffer.byteLength(text);
    let closed = false;
    req.on('close', () => { closed = true; });
    const pump = () => {
      if (closed) return;
      let size = offset;
      try { size = statSync(src.file).size; } catch { /* gone */ }
      const done = !src.running();
      if (size > offset) {
        const stream = createReadStream(src.file, { start: offset, end: size - 1 });
        offset = size;
        stream.on('data', (c) => res.write(c));
        stream.on('end', () => (done ? res.end() : setTimeout(pump, 200)));
        stream.on('error', () => res.end());
      } else if (done) {
        res.end();
      } else {
        setTimeout(pump, 200);
      }
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port, server,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
