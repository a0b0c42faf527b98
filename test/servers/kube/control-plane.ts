// A real Kubernetes control plane for tests, all on 127.0.0.1 free ports in a temp dir:
// Debian's etcd 3.4, kube-apiserver (RBAC, token auth, ServiceAccount signing key),
// kube-controller-manager (job, garbage-collector, service-account and node controllers …)
// and kube-scheduler, built from the Kubernetes Go modules by test/servers/build-kube.sh.
// No kubelet: test/servers/kube/node-agent.ts plays that part.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { makePki, type ClusterPki } from './pki.js';
import { freePort, startProcess, waitFor, type ServerProcess } from './processes.js';

const here = dirname(fileURLToPath(import.meta.url));
/** repo root, from dist/test/servers/kube or test/servers/kube */
export const repoRoot = (() => {
  let d = here;
  while (!existsSync(join(d, 'package.json'))) d = dirname(d);
  return d;
})();

/** Directory of the cached control-plane binaries (builds them on first use). */
export function kubeBinDir(): string {
  const out = execFileSync('bash', [join(repoRoot, 'test/servers/build-kube.sh')], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 60 * 60 * 1000,
  });
  return out.trim().split('\n').pop()!;
}

export interface ControlPlaneOptions {
  /** run kube-scheduler (default true); without it pods must set spec.nodeName */
  scheduler?: boolean;
  /** extra kube-controller-manager flags */
  controllerManagerArgs?: string[];
  /** extra kube-apiserver flags */
  apiserverArgs?: string[];
  /** keep the temp dir (logs) after stop, for debugging; also SWEEP_KEEP_KUBE_DIR=1 */
  keepDir?: boolean;
}

export interface KubeControlPlane {
  readonly dir: string;
  /** https://127.0.0.1:PORT */
  readonly server: string;
  readonly caCertPem: string;
  /** token of a system:masters user */
  readonly adminToken: string;
  readonly pki: ClusterPki;
  /** admin kubeconfig file (for the node agent, or kubectl when debugging) */
  readonly adminKubeconfigPath: string;
  /** a client-node KubeConfig for the admin token, or for any bearer token */
  kubeConfig(token?: string): KubeConfig;
  stopApiServer(): Promise<void>;
  startApiServer(): Promise<void>;
  /** stop and start kube-apiserver on the same port (etcd keeps the state) */
  restartApiServer(): Promise<void>;
  /** names and log tails of control-plane processes that have exited unexpectedly */
  problems(): string | undefined;
  stop(): Promise<void>;
}

function writeKubeconfig(path: string, server: string, caFile: string, user: string, token: string): void {
  writeFileSync(path, [
    'apiVersion: v1', 'kind: Config',
    'clusters:', `- name: test`, '  cluster:', `    server: ${server}`, `    certificate-authority: ${caFile}`,
    'users:', `- name: ${user}`, '  user:', `    token: ${token}`,
    'contexts:', '- name: test', '  context:', '    cluster: test', `    user: ${user}`,
    'current-context: test', '',
  ].join('\n'));
}

function randomToken(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function startKubeControlPlane(opts: ControlPlaneOptions = {}): Promise<KubeControlPlane> {
  const bin = kubeBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'sweep-kube-'));
  // etcd 3.4 cannot skip fsync; a RAM-backed data dir keeps it fast.
  const etcdDir = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/sweep-etcd-') : join(dir, 'etcd');
  mkdirSync(join(dir, 'logs'));
  const pki = makePki(dir);
  const caCertPem = readFileSync(pki.caCert, 'utf8');
  const adminToken = randomToken();
  const kcmToken = randomToken();
  const schedToken = randomToken();
  writeFileSync(join(dir, 'tokens.csv'), [
    `${adminToken},sweep-test-admin,admin-uid,"system:masters"`,
    `${kcmToken},system:kube-controller-manager,kcm-uid`,
    `${schedToken},system:kube-scheduler,scheduler-uid`,
  ].join('\n') + '\n');

  const [etcdPort, etcdPeerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const server = `https://127.0.0.1:${apiPort}`;
  const procs: ServerProcess[] = [];
  let stopping = false;
  const logPath = (name: string) => join(dir, 'logs', `${name}.log`);

  const etcd = startProcess('etcd', 'etcd', [
    '--name=default', `--data-dir=${etcdDir}`,
    `--listen-client-urls=http://127.0.0.1:${etcdPort}`, `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
    `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`, `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
    `--initial-cluster=default=http://127.0.0.1:${etcdPeerPort}`, '--logger=zap', '--log-level=warn',
  ], logPath('etcd'));
  procs.push(etcd);

  const apiArgs = [
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${apiPort}`,
    `--tls-cert-file=${pki.apiserverCert}`, `--tls-private-key-file=${pki.apiserverKey}`,
    `--client-ca-file=${pki.caCert}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki.saPub}`, `--service-account-signing-key-file=${pki.saKey}`,
    '--service-cluster-ip-range=10.0.0.0/24',
    `--token-auth-file=${join(dir, 'tokens.csv')}`,
    '--authorization-mode=RBAC',
    '--allow-privileged=true',
    // pods/log is proxied to the node agent's kubelet endpoint on 127.0.0.1
    '--kubelet-preferred-address-types=InternalIP', `--kubelet-certificate-authority=${pki.caCert}`,
    '--profiling=false', '--v=1',
    ...(opts.apiserverArgs ?? []),
  ];
  let apiserver: ServerProcess | undefined;
  const problems = () => {
    if (stopping) return undefined;
    const dead = procs.filter((p) => p.proc.exitCode !== null || p.proc.signalCode !== null);
    if (!dead.length) return undefined;
    return dead.map((p) => `${p.name} exited (${p.proc.exitCode ?? p.proc.signalCode}):\n${p.tail(15)}`).join('\n');
  };

  const agent = new Agent({ ca: caCertPem });
  const readyz = () => new Promise<boolean>((resolve) => {
    const req = request(`${server}/readyz`, { agent, headers: { authorization: `Bearer ${adminToken}` }, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => { req.destroy(); resolve(false); });
    req.end();
  });

  const startApiServer = async () => {
    apiserver = startProcess('kube-apiserver', join(bin, 'kube-apiserver'), apiArgs, logPath('kube-apiserver'));
    procs.push(apiserver);
    await waitFor('kube-apiserver /readyz', readyz, 90_000, { intervalMs: 250, died: problems });
  };
  const stopApiServer = async () => {
    if (!apiserver) return;
    const p = apiserver;
    apiserver = undefined;
    procs.splice(procs.indexOf(p), 1);
    await p.stop();
  };

  const cleanup = async () => {
    stopping = true;
    agent.destroy();
    for (const p of [...procs].reverse()) await p.stop();
    rmSync(etcdDir, { recursive: true, force: true });
    if (!opts.keepDir && !process.env.SWEEP_KEEP_KUBE_DIR) rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitFor('etcd', async () => {
      const res = await fetch(`http://127.0.0.1:${etcdPort}/health`);
      return res.ok;
    }, 30_000, { died: problems });
    await startApiServer();

    const kcmConfig = join(dir, 'kcm.kubeconfig');
    writeKubeconfig(kcmConfig, server, pki.caCert, 'system:kube-controller-manager', kcmToken);
    procs.push(startProcess('kube-controller-manager', join(bin, 'kube-controller-manager'), [
      `--kubeconfig=${kcmConfig}`, `--authentication-kubeconfig=${kcmConfig}`, `--authorization-kubeconfig=${kcmConfig}`,
      '--leader-elect=false', '--bind-address=127.0.0.1', '--secure-port=0',
      `--service-account-private-key-file=${pki.saKey}`, `--root-ca-file=${pki.caCert}`,
      '--use-service-account-credentials=true',
      // a test cluster creates Jobs in bursts: do not let client-side throttling dominate timings
      '--kube-api-qps=300', '--kube-api-burst=600', '--concurrent-job-syncs=20', '--concurrent-gc-syncs=20',
      '--v=1',
      ...(opts.controllerManagerArgs ?? []),
    ], logPath('kube-controller-manager')));

    if (opts.scheduler !== false) {
      const schedConfig = join(dir, 'scheduler.kubeconfig');
      writeKubeconfig(schedConfig, server, pki.caCert, 'system:kube-scheduler', schedToken);
      procs.push(startProcess('kube-scheduler', join(bin, 'kube-scheduler'), [
        `--kubeconfig=${schedConfig}`, `--authentication-kubeconfig=${schedConfig}`, `--authorization-kubeconfig=${schedConfig}`,
        '--leader-elect=false', '--bind-address=127.0.0.1', '--secure-port=0',
        '--kube-api-qps=300', '--kube-api-burst=600', '--v=1',
      ], logPath('kube-scheduler')));
    }

    const adminKubeconfigPath = join(dir, 'admin.kubeconfig');
    writeKubeconfig(adminKubeconfigPath, server, pki.caCert, 'sweep-test-admin', adminToken);

    const kubeConfig = (token = adminToken) => {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'test', server, caData: Buffer.from(caCertPem).toString('base64'), skipTLSVerify: false }],
        users: [{ name: 'user', token }],
        contexts: [{ name: 'test', cluster: 'test', user: 'user' }],
        currentContext: 'test',
      });
      return kc;
    };

    // The controller manager is ready once it has created the `default` ServiceAccount.
    await waitFor('kube-controller-manager (default ServiceAccount)', async () => {
      const res = await fetchJson(server, adminToken, agent, '/api/v1/namespaces/default/serviceaccounts/default');
      return res.status === 200;
    }, 90_000, { intervalMs: 250, died: problems });

    return {
      dir, server, caCertPem, adminToken, pki, adminKubeconfigPath, kubeConfig,
      startApiServer, stopApiServer,
      restartApiServer: async () => { await stopApiServer(); await startApiServer(); },
      problems, stop: cleanup,
    };
  } catch (err) {
    const detail = problems();
    await cleanup();
    if (detail && err instanceof Error && !err.message.includes(detail)) err.message += `\n${detail}`;
    throw err;
  }
}

function fetchJson(server: string, token: string, agent: Agent, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${server}${path}`, { agent, headers: { authorization: `Bearer ${token}` }, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.end();
  });
}
