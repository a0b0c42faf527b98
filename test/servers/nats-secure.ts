// What the secured nats-server tests need: the tls block for the certificates of certs.ts, and
// an operator-mode setup (operator, system and sweep accounts, a signing
// key, a privileged user) made with @nats-io/jwt and @nats-io/nkeys, preloaded into the server
// with `resolver: MEMORY`.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAccount, createOperator, createUser, encodeAccount, encodeOperator, encodeUser, fmtCreds, type KeyPair } from '@nats-io/jwt';
import type { TestCerts } from './certs.js';

export { makeCerts, type TestCerts } from './certs.js';

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
