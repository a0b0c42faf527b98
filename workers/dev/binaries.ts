// Where `sweep dev` finds the servers it starts: the project's cache (.cache/bin, filled by
// `npm run setup:servers`) first, then PATH (and /usr/sbin, where Debian puts nats-server but a
// non-root PATH may not look). A missing one is a one-line error naming the command that gets it.
import { accessSync, constants, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../usage-error.js';

/** The servers of the local cluster. */
export type ServerBinary = 'temporal' | 'nats-server' | 'prometheus';

/** How each one is installed (install.sh's component names), for the error. */
const INSTALL_HINT: Record<ServerBinary, string> = {
  temporal: 'npm run setup:servers -- temporal (builds the Temporal CLI with Go into .cache/bin)',
  'nats-server': 'npm run setup:servers -- nats (Debian\'s nats-server; or apt-get install nats-server)',
  prometheus: 'npm run setup:servers -- prometheus (Debian\'s prometheus; or apt-get install prometheus)',
};

/** The repository's .cache (or SWEEP_CACHE_DIR), as test/servers/*.sh use it. Compiled to dist/workers/dev/. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SWEEP_CACHE_DIR ?? fileURLToPath(new URL('../../../.cache', import.meta.url));
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `temporal-v1.5.1` → [1, 5, 1]; the newest cached build wins. */
function cachedTemporal(binDir: string): string | undefined {
  let names: string[];
  try {
    names = readdirSync(binDir);
  } catch {
    return undefined;
  }
  const version = (n: string) => n.slice('temporal-v'.length).split('.').map(Number);
  const newer = (a: string, b: string) => {
    const [x, y] = [version(a), version(b)];
    for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (y[i] ?? 0) - (x[i] ?? 0);
    return 0;
  };
  const found = names.filter((n) => /^temporal-v\d+(\.\d+)*$/.test(n)).sort(newer).map((n) => join(binDir, n)).find(executable);
  return found;
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const dirs = [...(env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/sbin', '/usr/local/sbin'];
  return dirs.map((d) => join(d, name)).find(executable);
}

/** The path of `name`, or a UsageError saying how to install it. */
export function findBinary(name: ServerBinary, env: NodeJS.ProcessEnv = process.env): string {
  const cache = join(cacheDir(env), 'bin');
  const found = (name === 'temporal' ? cachedTemporal(cache) : undefined) ?? onPath(name, env);
  if (found) return found;
  const where = name === 'temporal' ? `${cache} or PATH` : 'PATH';
  throw new UsageError(`${name} not found in ${where}; install it with: ${INSTALL_HINT[name]}`);
}
