// What the secured nats-server tests need: a throwaway CA with server and client certificates
// (made by openssl), and an operator-mode setup (operator, system and sweep accounts, a signing
// key, a privileged user) made with @nats-io/jwt and @nats-io/nkeys, preloaded into the server
// with `resolver: MEMORY`.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAccount, createOperator, createUser, encodeAccount, encodeOperator, encodeUser, fmtCreds, type KeyPair } from '@nats-io/jwt';

export interface TestCerts {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** a CA that signed nothing of this server's (a client trusting it must fail) */
  otherCa: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA, a server certificate for 127.0.0.1/localhost and a client certificate, in `dir`. */
export function makeCerts(dir: string): TestCerts {
  const ca = (name: string) => openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.crt`]);
  ca('test-ca');
  ca('other-ca');
  const leaf = (name: string, ext: string) => {
    openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'test-ca.crt', '-CAkey', 'test-ca.key', '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`]);
  };
  leaf('server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  leaf('client', 'extendedKeyUsage=clientAuth\n');
  const p = (f: string) => join(dir, f);
  return {
    ca: p('test-ca.crt'), serverCert: p('server.crt'), serverKey: p('server.key'),
    clientCert: p('client.crt'), clientKey: p('client.key'), otherCa: p('other-ca.crt'),
  };
}

/** The server's tls block; `verify` requires a client certificate signed by the CA. */
export function tlsBlock(c: TestCerts, verify: boolean): string {
  return `tls {\n  cert_file: "${c.serverCert}"\n  key_file: "${c.serverKey}"\n  ca_file: "${c.ca}"\n  verify: ${verify}\n  timeout: 5\n}\n`;
}

export interface OperatorSetup {
  /** server configuration: operator, system account, memory resolver with both accounts preloaded */
  config: string;
  /** the sweep account's public key */
  account: string;
  /** the sweep account's signing key seed (what the orchestrator holds) */
  signingSeed: string;
  /** .creds file of a privileged user of the sweep account (orchestrator, aggregator, CLI) */
  adminCreds: string;
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** Operator mode in `dir`: accounts SYS and SWEEP (JetStream enabled), a signing key of SWEEP, an admin user. */
export async function makeOperator(dir: string): Promise<OperatorSetup> {
  const operator = createOperator();
  const sys = createAccount();
  const acc = createAccount();
  const signing: KeyPair = createAccount();
  const operatorJwt = await encodeOperator('test-operator', operator, { system_account: sys.getPublicKey() });
  const sysJwt = await encodeAccount('SYS', sys, {}, { signer: operator });
  const accJwt = await encodeAccount('SWEEP', acc, {
    signing_keys: [signing.getPublicKey()],
    limits: { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1, mem_storage: -1, disk_storage: -1, streams: -1, consumer: -1 },
  }, { signer: operator });
  const admin = createUser();
  const adminJwt = await encodeUser('admin', admin, acc.getPublicKey(), {}, { signer: signing });
  const adminCreds = join(dir, 'admin.creds');
  writeFileSync(adminCreds, fmtCreds(adminJwt, admin), { mode: 0o600 });
  const config = `operator: "${operatorJwt}"\nsystem_account: ${sys.getPublicKey()}\nresolver: MEMORY\n` +
    `resolver_preload: {\n  ${sys.getPublicKey()}: "${sysJwt}"\n  ${acc.getPublicKey()}: "${accJwt}"\n}\n`;
  return { config, account: acc.getPublicKey(), signingSeed: text(signing.getSeed()), adminCreds };
}
