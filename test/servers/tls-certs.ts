// Test certificates made with the openssl CLI in a temp folder: a CA, a server certificate for
// a DNS name only (so a client must override the server name when it dials 127.0.0.1), client
// certificates, and a second, unrelated CA with its own client certificate.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPki {
  dir: string;
  /** the name in the server certificate (its only subject alternative name) */
  serverName: string;
  ca: string;
  server: { cert: string; key: string };
  /** client certificate of the Temporal server's own system worker (CN temporal-system) */
  system: { cert: string; key: string };
  client: { cert: string; key: string };
  /** a CA that signed neither the server's nor the clients' certificates */
  otherCa: string;
  /** a client certificate signed by otherCa */
  otherClient: { cert: string; key: string };
  remove(): void;
}

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function makeCa(dir: string, name: string): void {
  openssl(['req', '-x509', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-subj', `/CN=${name}`, '-days', '2',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
}

function makeLeaf(dir: string, ca: string, name: string, cn: string, ext: string): { cert: string; key: string } {
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(['req', '-new', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial',
    '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`], dir);
  return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
}

export function makeTestPki(serverName = 'temporal.internal'): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'sweep-pki-'));
  const clientExt = 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n';
  makeCa(dir, 'ca');
  makeCa(dir, 'other-ca');
  return {
    dir,
    serverName,
    ca: join(dir, 'ca.crt'),
    server: makeLeaf(dir, 'ca', 'server', serverName,
      `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:${serverName}\n`),
    system: makeLeaf(dir, 'ca', 'system', 'temporal-system', clientExt),
    client: makeLeaf(dir, 'ca', 'client', 'sweep-client', clientExt),
    otherCa: join(dir, 'other-ca.crt'),
    otherClient: makeLeaf(dir, 'other-ca', 'other-client', 'sweep-client', clientExt),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
