// Why a Temporal connection failed at the TLS layer. gRPC reports a refused handshake only as
// "failed to connect before the deadline"; after such a failure one TLS handshake of our own,
// with the same CA, client certificate and server name, names the problem from OpenSSL's and
// Node's error codes: an untrusted server certificate, a name mismatch, a client certificate
// missing or refused, a server without TLS, or (for a plaintext client) a server that wants TLS.
import { checkServerIdentity, connect, type ConnectionOptions } from 'node:tls';
import { isIP } from 'node:net';
import type { TLSConfig } from '@temporalio/client';

/** The server hung up right after the handshake (no alert): it refused the client certificate. */
const CLOSED_AFTER_HANDSHAKE = 'closed after the handshake';

/** After the client's side of a TLS 1.3 handshake, how long to wait for the server's verdict on the client certificate. */
const VERDICT_MS = 1000;

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT', 'CERT_SIGNATURE_FAILURE',
]);
const CLIENT_CERT_REFUSED = new Set([
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED', 'ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE', 'ERR_SSL_TLSV1_ALERT_DECRYPT_ERROR',
]);

function splitAddress(address: string): { host: string; port: number } | undefined {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address);
  return m ? { host: m[1], port: Number(m[2]) } : undefined;
}

/** One handshake; resolves with the error code, 'ok', or undefined when nothing answered. */
function handshake(host: string, port: number, opts: ConnectionOptions, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (v: string | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    const socket = connect({ host, port, ALPNProtocols: ['h2'], ...opts });
    socket.on('secureConnect', () => {
      // TLS 1.3: the server judges the client certificate after the client's handshake is done;
      // a gRPC server that accepts it sends its HTTP/2 settings, one that refuses it alerts or hangs up
      setTimeout(() => done('ok'), VERDICT_MS).unref();
      socket.on('data', () => done('ok'));
      socket.on('close', () => done(CLOSED_AFTER_HANDSHAKE));
    });
    socket.on('error', (err: NodeJS.ErrnoException) => done(err.code ?? 'unknown'));
  });
}

/** A short reason for a failed connection, or undefined when TLS is not the problem (or unknown). */
export async function diagnoseTls(address: string, tls: TLSConfig | undefined, timeoutMs: number): Promise<string | undefined> {
  const target = splitAddress(address);
  if (!target) return undefined;
  const wait = Math.min(timeoutMs, 5000);
  if (!tls) {
    // a plaintext client: does the server speak TLS?
    const code = await handshake(target.host, target.port, { rejectUnauthorized: false, ...(isIP(target.host) ? {} : { servername: target.host }) }, wait);
    if (code === 'ok' || code === CLOSED_AFTER_HANDSHAKE || (code && (CLIENT_CERT_REFUSED.has(code) || code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'))) {
      return 'the server requires TLS (set --temporal-tls-ca, --temporal-tls or an API key)';
    }
    return undefined;
  }
  const name = tls.serverNameOverride ?? target.host;
  const opts: ConnectionOptions = {
    ...(isIP(name) ? {} : { servername: name }),
    ...(tls.serverRootCACertificate ? { ca: Buffer.from(tls.serverRootCACertificate) } : {}),
    ...(tls.clientCertPair ? { cert: Buffer.from(tls.clientCertPair.crt), key: Buffer.from(tls.clientCertPair.key) } : {}),
    // the name the certificate must hold is the override when there is one
    checkServerIdentity: (_host, cert) => checkServerIdentity(name, cert),
  };
  const code = await handshake(target.host, target.port, opts, wait);
  if (code === undefined || code === 'ok' || code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'ECONNRESET') return undefined;
  if (UNTRUSTED.has(code)) return `the server's certificate is not signed by ${tls.serverRootCACertificate ? 'the given CA' : 'a CA this system trusts'} (${code})`;
  if (code === 'CERT_HAS_EXPIRED') return 'the server\'s certificate has expired';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `the server's certificate does not name ${name} (set --temporal-tls-server-name to a name it holds)`;
  if (code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED') return 'the server requires a client certificate (--temporal-tls-cert and --temporal-tls-key)';
  if (CLIENT_CERT_REFUSED.has(code)) return `the server refused the client certificate (${code})`;
  if (code === CLOSED_AFTER_HANDSHAKE) {
    return tls.clientCertPair ? `the server refused the client certificate (${code})` : `the server requires a client certificate (${code})`;
  }
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG') return 'the server does not speak TLS';
  return `TLS handshake failed (${code})`;
}
