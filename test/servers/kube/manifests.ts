// Rendering the project's manifests for tests: the Helm chart (charts/sweep) and the kustomize
// base (k8s/), with helm and kustomize built from their Go modules by
// test/servers/build-manifest-tools.sh (cached in .cache/bin/manifest-tools).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubernetesObject } from '@kubernetes/client-node';
import { repoRoot } from './control-plane.js';

let toolsDir: string | undefined;

export function manifestTools(): { helm: string; kustomize: string } {
  toolsDir ??= execFileSync('bash', [join(repoRoot, 'test/servers/build-manifest-tools.sh')], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 30 * 60 * 1000,
  }).trim().split('\n').pop()!;
  return { helm: join(toolsDir, 'helm'), kustomize: join(toolsDir, 'kustomize') };
}

export function parseManifests(text: string): KubernetesObject[] {
  return parseAllDocuments(text).map((d) => d.toJS() as KubernetesObject | null).filter((o): o is KubernetesObject => !!o && !!o.kind);
}

export class RenderError extends Error {}

/** `helm template` of charts/sweep with values given as --set-json pairs. */
export function helmTemplate(opts: { release?: string; namespace?: string; values?: Record<string, unknown>; chart?: string } = {}): KubernetesObject[] {
  const args = ['template', opts.release ?? 'sweep', opts.chart ?? join(repoRoot, 'charts/sweep'),
    '--namespace', opts.namespace ?? 'sweeps', '--kube-version', '1.34.4'];
  for (const [k, v] of Object.entries(opts.values ?? {})) args.push('--set-json', `${k}=${JSON.stringify(v)}`);
  try {
    return parseManifests(execFileSync(manifestTools().helm, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HELM_CACHE_HOME: join(repoRoot, '.cache/helm'), HELM_CONFIG_HOME: join(repoRoot, '.cache/helm'), HELM_DATA_HOME: join(repoRoot, '.cache/helm') } }));
  } catch (err) {
    throw new RenderError(String((err as { stderr?: string }).stderr ?? (err as Error).message).trim());
  }
}

export function kustomizeBuild(dir = join(repoRoot, 'k8s')): KubernetesObject[] {
  return parseManifests(execFileSync(manifestTools().kustomize, ['build', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
}
