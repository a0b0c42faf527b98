// Commands of the containers in the kustomize base (k8s/*.yaml), read without rendering.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../servers/kube/control-plane.js';

export function kustomizeFiles(): Array<[string, string[]]> {
  const out: Array<[string, string[]]> = [];
  const dir = join(repoRoot, 'k8s');
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml') && n !== 'kustomization.yaml')) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, f), 'utf8'))) {
      const o = doc.toJS() as { spec?: { template?: { spec?: { containers?: Array<{ command?: string[] }> } } } } | null;
      for (const c of o?.spec?.template?.spec?.containers ?? []) if (c.command) out.push([`k8s/${f}`, c.command]);
    }
  }
  return out;
}
