// Runs the compiled `sweep` CLI in a child process, for tests that check exit codes and stderr.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../workers/cli.js', import.meta.url));

export interface CliResult { code: number | null; stdout: string; stderr: string }

export function runCli(args: string[], opts: { cwd?: string } = {}): CliResult {
  const env = { ...process.env };
  delete env.SWEEP_DEBUG; // stack traces on purpose would hide real ones
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: opts.cwd, env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** No V8 or Node stack frame in the text (a crash, not a message for the user). */
export function hasStackTrace(text: string): boolean {
  // stack frames are indented four spaces; problem lines two ("  at foo: unknown key" is a key)
  return /^ {4}at /m.test(text) || /FATAL ERROR|node::|Native stack trace/.test(text);
}
