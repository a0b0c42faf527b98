// Turns a pod's container spec into a local process launch, as the node agent's "container
// runtime": volumes become directories under the pod's sandbox, env is resolved like the
// kubelet does (values, field/resource refs, ConfigMap/Secret refs, $(VAR) expansion), and
// every command-line argument or env value that starts with a volume's mountPath is rewritten
// to that directory (there is no mount namespace: this path mapping stands in for it). The
// host's own files stand in for the image's, so a path below a mount that names an existing
// host file (a checkout under /tmp, where trial pods mount an emptyDir) is left as it is.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CoreV1Api, V1Container, V1Pod, V1Volume } from '@kubernetes/client-node';

/** A condition that keeps the container from starting yet (the kubelet retries it). */
export class SandboxNotReady extends Error {
  constructor(readonly reason: string, message: string) { super(message); }
}

export interface ContainerLaunch {
  name: string;
  argv: string[];
  env: Record<string, string>;
}

interface Mount { mountPath: string; hostPath: string }

function quantityToNumber(q: string): number {
  const m = /^([0-9.]+)([a-zA-Z]*)$/.exec(q.trim());
  if (!m) throw new Error(`bad quantity ${q}`);
  const units: Record<string, number> = {
    '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4,
  };
  const u = units[m[2]];
  if (u === undefined) throw new Error(`bad quantity unit in ${q}`);
  return Number(m[1]) * u;
}

export function memoryLimitBytes(c: V1Container): number | undefined {
  const q = c.resources?.limits?.memory;
  return q === undefined ? undefined : quantityToNumber(String(q));
}

/** $(VAR) expansion as the kubelet does it: unknown references stay as written, $$ escapes. */
export function expandVars(s: string, env: Record<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (all, name: string | undefined) => {
    if (all === '$$') return '$';
    return name !== undefined && name in env ? env[name] : all;
  });
}

export class PodSandbox {
  private readonly mounts = new Map<string, Mount[]>();
  readonly root: string;

  constructor(private readonly pod: V1Pod, private readonly core: CoreV1Api, sandboxRoot: string) {
    this.root = join(sandboxRoot, pod.metadata!.uid!);
  }

  logFile(container: string): string {
    return join(this.root, 'logs', `${container}.log`);
  }

  /** Materialises volumes and resolves every container's launch; throws SandboxNotReady to retry later. */
  async prepare(entrypoint: (image: string) => string[] | undefined): Promise<ContainerLaunch[]> {
    mkdirSync(join(this.root, 'logs'), { recursive: true });
    const volumeDirs = new Map<string, string>();
    for (const v of this.pod.spec!.volumes ?? []) volumeDirs.set(v.name, await this.materialise(v));
    const launches: ContainerLaunch[] = [];
    for (const c of this.pod.spec!.containers) {
      const mounts: Mount[] = (c.volumeMounts ?? []).map((m) => {
        const dir = volumeDirs.get(m.name);
        if (!dir) throw new SandboxNotReady('CreateContainerConfigError', `volume ${m.name} is not defined in the pod`);
        return { mountPath: m.mountPath.replace(/\/+$/, ''), hostPath: m.subPath ? join(dir, m.subPath) : dir };
      }).sort((a, b) => b.mountPath.length - a.mountPath.length);
      this.mounts.set(c.name, mounts);
      const env = await this.resolveEnv(c);
      const command = c.command?.length ? c.command : entrypoint(c.image ?? '');
      if (!command?.length) throw new SandboxNotReady('CreateContainerError', `container ${c.name} has no command and image ${c.image} has no known entrypoint`);
      const argv = [...command, ...(c.args ?? [])].map((a) => this.mapPath(c.name, expandVars(a, env)));
      for (const k of Object.keys(env)) env[k] = this.mapPath(c.name, env[k]);
      launches.push({ name: c.name, argv, env });
    }
    return launches;
  }

  mapPath(container: string, s: string): string {
    for (const m of this.mounts.get(container) ?? []) {
      if (s === m.mountPath) return m.hostPath;
      if (s.startsWith(`${m.mountPath}/`) && !this.isImageFile(s)) return m.hostPath + s.slice(m.mountPath.length);
    }
    return s;
  }

  /** An existing host path outside the sandboxes: a file of the "image" (the host's filesystem). */
  private isImageFile(s: string): boolean {
    return !s.startsWith(`${dirname(this.root)}/`) && existsSync(s);
  }

  private async materialise(v: V1Volume): Promise<string> {
    const dir = join(this.root, 'volumes', v.name);
    mkdirSync(dir, { recursive: true });
    const ns = this.pod.metadata!.namespace!;
    const write = (rel: string, content: string | Buffer) => {
      const p = join(dir, rel);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, content);
    };
    if (v.emptyDir) return dir;
    if (v.configMap) {
      const data = await this.configMapData(ns, v.configMap.name!, v.configMap.optional === true);
      writeItems(data, v.configMap.items, write);
      return dir;
    }
    if (v.secret) {
      const data = await this.secretData(ns, v.secret.secretName!, v.secret.optional === true);
      writeItems(data, v.secret.items, write);
      return dir;
    }
    if (v.downwardAPI) {
      for (const item of v.downwardAPI.items ?? []) {
        if (item.fieldRef) write(item.path, this.fieldValue(item.fieldRef.fieldPath));
      }
      return dir;
    }
    if (v.projected) {
      for (const src of v.projected.sources ?? []) {
        if (src.serviceAccountToken) write(src.serviceAccountToken.path, await this.serviceAccountToken(src.serviceAccountToken));
        if (src.configMap) writeItems(await this.configMapData(ns, src.configMap.name!, src.configMap.optional === true), src.configMap.items, write);
        if (src.secret) writeItems(await this.secretData(ns, src.secret.name!, src.secret.optional === true), src.secret.items, write);
        if (src.downwardAPI) {
          for (const item of src.downwardAPI.items ?? []) if (item.fieldRef) write(item.path, this.fieldValue(item.fieldRef.fieldPath));
        }
      }
      return dir;
    }
    throw new SandboxNotReady('CreateContainerConfigError', `volume ${v.name}: only emptyDir, configMap, secret, downwardAPI and projected volumes are supported by the test node agent`);
  }

  private async serviceAccountToken(src: { audience?: string; expirationSeconds?: number }): Promise<string> {
    const md = this.pod.metadata!;
    const res = await this.core.createNamespacedServiceAccountToken({
      name: this.pod.spec!.serviceAccountName ?? 'default', namespace: md.namespace!,
      body: {
        spec: {
          audiences: src.audience ? [src.audience] : [],
          expirationSeconds: src.expirationSeconds ?? 3607,
          boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: md.name!, uid: md.uid! },
        },
      },
    });
    return res.status?.token ?? '';
  }

  private async configMapData(ns: string, name: string, optional: boolean): Promise<Record<string, string>> {
    try {
      const cm = await this.core.readNamespacedConfigMap({ name, namespace: ns });
      const bin = Object.fromEntries(Object.entries(cm.binaryData ?? {}).map(([k, b]) => [k, Buffer.from(b, 'base64').toString('utf8')]));
      return { ...cm.data, ...bin };
    } catch (err) {
      if ((err as { code?: number }).code === 404) {
        if (optional) return {};
        throw new SandboxNotReady('ContainerCreating', `MountVolume.SetUp failed: configmap "${name}" not found`);
      }
      throw err;
    }
  }

  private async secretData(ns: string, name: string, optional: boolean): Promise<Record<string, string>> {
    try {
      const s = await this.core.readNamespacedSecret({ name, namespace: ns });
      return Object.fromEntries(Object.entries(s.data ?? {}).map(([k, b]) => [k, Buffer.from(b, 'base64').toString('utf8')]));
    } catch (err) {
      if ((err as { code?: number }).code === 404) {
        if (optional) return {};
        throw new SandboxNotReady('ContainerCreating', `MountVolume.SetUp failed: secret "${name}" not found`);
      }
      throw err;
    }
  }

  fieldValue(path: string): string {
    const md = this.pod.metadata!;
    const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
    if (m) return (m[1] === 'labels' ? md.labels : md.annotations)?.[m[2]] ?? '';
    switch (path) {
      case 'metadata.name': return md.name ?? '';
      case 'metadata.namespace': return md.namespace ?? '';
      case 'metadata.uid': return md.uid ?? '';
      case 'spec.nodeName': return this.pod.spec!.nodeName ?? '';
      case 'spec.serviceAccountName': return this.pod.spec!.serviceAccountName ?? '';
      case 'status.hostIP': return '127.0.0.1';
      case 'status.podIP': return this.pod.status?.podIP ?? '127.0.0.1';
      case 'metadata.labels': return Object.entries(md.labels ?? {}).map(([k, v]) => `${k}="${v}"`).join('\n');
      case 'metadata.annotations': return Object.entries(md.annotations ?? {}).map(([k, v]) => `${k}="${v}"`).join('\n');
      default: throw new SandboxNotReady('CreateContainerConfigError', `unsupported fieldRef ${path}`);
    }
  }

  private async resolveEnv(c: V1Container): Promise<Record<string, string>> {
    const env: Record<string, string> = {};
    const ns = this.pod.metadata!.namespace!;
    for (const from of c.envFrom ?? []) {
      const data = from.configMapRef ? await this.configMapData(ns, from.configMapRef.name!, from.configMapRef.optional === true)
        : from.secretRef ? await this.secretData(ns, from.secretRef.name!, from.secretRef.optional === true) : {};
      for (const [k, v] of Object.entries(data)) env[`${from.prefix ?? ''}${k}`] = v;
    }
    for (const e of c.env ?? []) {
      if (e.value !== undefined) { env[e.name] = expandVars(e.value, env); continue; }
      const src = e.valueFrom;
      if (!src) { env[e.name] = ''; continue; }
      if (src.fieldRef) env[e.name] = this.fieldValue(src.fieldRef.fieldPath);
      else if (src.resourceFieldRef) env[e.name] = resourceValue(c, src.resourceFieldRef.resource, src.resourceFieldRef.divisor);
      else if (src.configMapKeyRef) {
        const data = await this.configMapData(ns, src.configMapKeyRef.name!, src.configMapKeyRef.optional === true);
        const v = data[src.configMapKeyRef.key];
        if (v === undefined && src.configMapKeyRef.optional !== true) throw new SandboxNotReady('CreateContainerConfigError', `couldn't find key ${src.configMapKeyRef.key} in ConfigMap ${ns}/${src.configMapKeyRef.name}`);
        if (v !== undefined) env[e.name] = v;
      } else if (src.secretKeyRef) {
        const data = await this.secretData(ns, src.secretKeyRef.name!, src.secretKeyRef.optional === true);
        const v = data[src.secretKeyRef.key];
        if (v === undefined && src.secretKeyRef.optional !== true) throw new SandboxNotReady('CreateContainerConfigError', `couldn't find key ${src.secretKeyRef.key} in Secret ${ns}/${src.secretKeyRef.name}`);
        if (v !== undefined) env[e.name] = v;
      }
    }
    return env;
  }
}

function writeItems(data: Record<string, string>, items: Array<{ key: string; path: string }> | undefined,
  write: (rel: string, content: string) => void): void {
  if (items?.length) {
    for (const it of items) if (it.key in data) write(it.path, data[it.key]);
  } else {
    for (const [k, v] of Object.entries(data)) write(k, v);
  }
}

function resourceValue(c: V1Container, resource: string, divisor: unknown): string {
  const [kind, name] = resource.split('.') as ['limits' | 'requests', string];
  const q = c.resources?.[kind]?.[name];
  // like the kubelet: an unset limit falls back to the node's allocatable, here a fixed large value
  const value = q !== undefined ? quantityToNumber(String(q)) : name === 'memory' ? 256 * 1024 ** 3 : 32;
  const div = divisor !== undefined ? quantityToNumber(String(divisor)) : 1;
  return String(Math.ceil(value / div));
}
