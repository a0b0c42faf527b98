// test/servers/install.sh's refusals, which happen before anything is installed: an unknown
// component, and a Go-built component that is not cached while no Go toolchain is on PATH.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../../test/servers/install.sh', import.meta.url));

function install(args: string[], env: NodeJS.ProcessEnv): { code: number | null; stderr: string } {
  const r = spawnSync('bash', [script, ...args], { encoding: 'utf8', env, timeout: 60_000 });
  return { code: r.status, stderr: r.stderr };
}

test('install.sh refuses an unknown component with exit 2, listing the components', () => {
  const r = install(['temporal', 'natz'], { PATH: process.env.PATH });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown component "natz"; choose from: temporal temporal-tls nats prometheus etcd kube manifests scipy sdk native wasm openssl images/);
});

test('install.sh without Go refuses the Go-built components not yet cached, naming them, before installing anything', () => {
  const cache = mkdtempSync(join(tmpdir(), 'sweep-install-'));
  try {
    // a PATH holding only the tools the refusal path uses, so a Go installed anywhere stays unseen
    const bin = join(cache, 'path');
    mkdirSync(bin);
    for (const tool of ['bash', 'dirname', 'sed', 'cut', 'date', 'tail']) {
      const found = ['/usr/bin', '/bin'].map((d) => join(d, tool)).find((p) => existsSync(p));
      assert.ok(found, `${tool} not found`);
      symlinkSync(found, join(bin, tool));
    }
    const env = { PATH: bin, SWEEP_CACHE_DIR: cache };
    for (const [args, named] of [[['temporal', 'nats'], 'temporal'], [['kube'], 'kube'], [[], 'temporal temporal-tls kube manifests']] as const) {
      const r = install([...args], env);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`Go toolchain not found; it builds ${named} \\(Go-built components: temporal temporal-tls kube manifests\\)`));
      assert.doesNotMatch(r.stderr, /installing Debian packages/);
    }
    const viaEnv = install([], { ...env, SWEEP_SERVERS: 'manifests,nats' });
    assert.equal(viaEnv.code, 2);
    assert.match(viaEnv.stderr, /it builds manifests \(/);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});
