// The machine side of bench/pack-throughput: the CPU it names with every figure, the JAX venv,
// and child processes pinned to the same cores for every side of the comparison.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../../', import.meta.url));
const cache = process.env.SWEEP_CACHE_DIR ?? join(root, '.cache');
const venv = join(cache, 'venv-jax');
/** The Python with JAX; the same venv as bench/train-vs-jax. */
export const python = join(venv, 'bin', 'python');

/** Installs JAX (CPU) from PyPI into the private venv unless it is there. */
export function ensureJax(): void {
  if (existsSync(python)) {
    try { execFileSync(python, ['-c', 'import jax'], { stdio: 'ignore' }); return; } catch { /* install below */ }
  }
  mkdirSync(cache, { recursive: true });
  console.log(`installing jax (CPU) into ${venv} from PyPI ...`);
  execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  execFileSync(join(venv, 'bin', 'pip'), ['install', '-q', 'jax'], { stdio: 'inherit' });
}

const hasTaskset = spawnSync('taskset', ['--version']).status === 0;

/** Runs a command pinned to the first `threads` CPUs when taskset exists; returns its last stdout line. */
export function pinned(threads: number, cmd: string, args: string[], input?: string, env?: NodeJS.ProcessEnv): string {
  const [c, a] = hasTaskset ? ['taskset', ['-c', `0-${threads - 1}`, cmd, ...args]] : [cmd, args];
  const r = spawnSync(c, a, { input, env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args[0] ?? ''} failed (exit ${r.status}): ${r.stderr.toString().trim().split('\n').slice(-5).join(' | ')}`);
  return r.stdout.toString().trim().split('\n').pop()!;
}

export function cpuModel(): string {
  return readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown CPU';
}

/** The widest x86 vector extension the CPU reports (native kernels can use it; wasm SIMD stays at 128 bits). */
export function vectorWidth(): string {
  const flags = new Set((readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:\s*(.*)$/m)?.[1] ?? '').split(/\s+/));
  if (flags.has('avx512f')) return 'AVX-512';
  if (flags.has('avx2')) return 'AVX2';
  if (flags.has('avx')) return 'AVX';
  if (flags.has('sse2')) return 'SSE2';
  return 'unknown vector width';
}

/** The checked-out commit (recorded with the figures), or 'unknown'. */
export function gitCommit(): string {
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root });
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root }).stdout?.toString().trim();
  return r.status === 0 ? `${r.stdout.toString().trim()}${dirty ? ' (with local changes)' : ''}` : 'unknown';
}
