// The orchestrator's workflow bundle, built once and cached by the content of the compiled
// workflow code: bundling takes seconds, and every test file and worker process needs it.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeWorkflowBundle } from '../../workers/orchestrator.js';

const workflowsDir = fileURLToPath(new URL('../../workflows/', import.meta.url));

export async function workflowBundlePath(): Promise<string> {
  const h = createHash('sha256');
  for (const f of readdirSync(workflowsDir).filter((n) => n.endsWith('.js')).sort()) h.update(f).update(readFileSync(join(workflowsDir, f)));
  const path = join(tmpdir(), `sweep-workflows-${h.digest('hex').slice(0, 16)}.js`);
  if (!existsSync(path)) {
    const tmp = `${path}.${process.pid}.tmp`;
    await writeWorkflowBundle(tmp);
    renameSync(tmp, path);
  }
  return path;
}
