// The TLS diagnosis behind a refused Temporal connection, against real loopback servers made
// with node:net and node:tls and the test PKI: each failure is named, a good handshake and a
// closed port are not TLS problems (undefined: the caller keeps gRPC's own words).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createTcpServer, type Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { readFileSync } from 'node:fs';
import { diagnoseTls } from '../../client/tls-probe.js';
import { makeTestPki } from '../servers/tls-certs.js';
import { freePort } from '../servers/free-port.js';

const pki = makeTestPki();
const servers: Server[] = [];
after(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  pki.remove();
});
const listen = (s: Server) => new Promise<string>((resolve) => {
  servers.push(s);
  s.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(s.address() as { port: number }).port}`));
});
const read = (p: string) => readFileSync(p);

test('diagnoseTls names what is wrong, and nothing when TLS is fine or nothing listens', async () => {
  const mtls = await listen(createTlsServer({ cert: read(pki.server.cert), key: read(pki.server.key), ca: read(pki.ca), requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'] }, (s) => s.end('settings')));
  const plain = await listen(createTcpServer((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n')));
  const ca = read(pki.ca);
  const pair = { crt: read(pki.client.cert), key: read(pki.client.key) };
  const name = pki.serverName;
  assert.equal(await diagnoseTls(mtls, { serverRootCACertificate: ca, clientCertPair: pair, serverNameOverride: name }, 3000), undefined);
  assert.match((await diagnoseTls(mtls, { serverRootCACertificate: ca, serverNameOverride: name }, 3000))!, /^the server requires a client certificate|^the server refused the client certificate/);
  assert.match((await diagnoseTls(mtls, { serverRootCACertificate: ca, clientCertPair: { crt: read(pki.otherClient.cert), key: read(pki.otherClient.key) }, serverNameOverride: name }, 3000))!, /^the server refused the client certificate \(/);
  assert.match((await diagnoseTls(mtls, { serverRootCACertificate: read(pki.otherCa), clientCertPair: pair, serverNameOverride: name }, 3000))!, /^the server's certificate is not signed by the given CA \(/);
  assert.match((await diagnoseTls(mtls, { serverRootCACertificate: ca, clientCertPair: pair }, 3000))!, /^the server's certificate does not name 127\.0\.0\.1 /);
  assert.match((await diagnoseTls(mtls, undefined, 3000))!, /^the server requires TLS/);
  assert.equal(await diagnoseTls(plain, { serverRootCACertificate: ca }, 3000), 'the server does not speak TLS');
  assert.equal(await diagnoseTls(plain, undefined, 3000), undefined, 'a plaintext client of a plaintext server: not a TLS problem');
  const closed = `127.0.0.1:${await freePort()}`;
  assert.equal(await diagnoseTls(closed, { serverRootCACertificate: ca }, 3000), undefined);
  assert.equal(await diagnoseTls(closed, undefined, 3000), undefined);
  assert.equal(await diagnoseTls('not-an-address', undefined, 3000), undefined);
});
