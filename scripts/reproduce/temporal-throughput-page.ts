// Writes the Temporal throughput block of docs/results.md from a log of `npm run bench:temporal-10k`
// (its last JSON line) and this machine's CPU:
//   node dist/scripts/reproduce/temporal-throughput-page.js LOG [--kill-log LOG2] [--commit SHA (default HEAD)] [--note TEXT]...
// With --kill-log, the kill sweep's figures come from a second run (bench:temporal-10k --only-kill)
// that ran at the same time as the first (--kill-at 0), each with its own servers; the block says so.
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../../core/output/jsonl.js';
import { INTRO } from './page.js';
import { renderTemporalThroughput, withTemporalThroughput, type Machine, type TemporalBenchResult } from './temporal-throughput.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const PAGE = join(ROOT, 'docs', 'results.md');

function machine(commit: string | undefined): Machine {
  const info = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(info)?.[1].trim() ?? cpus()[0]?.model ?? 'unknown CPU';
  const flags = new Set((/^flags\s*:\s*(.+)$/m.exec(info)?.[1] ?? '').split(/\s+/));
  const simd = flags.has('avx512f') ? 'AVX-512' : flags.has('avx2') ? 'AVX2, no AVX-512' : 'no AVX2';
  const sha = commit ?? execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  return { cpu: model, simd, cpus: cpus().length, commit: sha };
}

async function main(argv: string[]): Promise<number> {
  const log = argv[0];
  if (!log || !existsSync(log)) {
    process.stderr.write(`temporal-throughput-page: give the log of a bench:temporal-10k run (${log ? `${log} does not exist` : 'none given'})\n`);
    return 2;
  }
  const result = (file: string): TemporalBenchResult | undefined => {
    const line = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('{')).pop() : undefined;
    if (!line) process.stderr.write(`temporal-throughput-page: ${file} holds no result line (did the run finish?)\n`);
    return line ? JSON.parse(line) as TemporalBenchResult : undefined;
  };
  const r = result(log);
  if (!r) return 2;
  const notes: string[] = [];
  const k = argv.indexOf('--kill-log');
  if (k > 0) {
    const kr = result(argv[k + 1] ?? '');
    if (!kr?.kill) return 2;
    r.kill = kr.kill;
    notes.push('The sweep with the kill ran at the same time as the clean sweep and its bare references, on its own Temporal and NATS servers (`--only-kill` and `--kill-at 0`, started together): the two sweeps ran side by side throughout.');
  }
  // what the figures cannot say by themselves (the conditions of the run), in the runner's words
  argv.forEach((a, j) => { if (a === '--note' && argv[j + 1]) notes.push(argv[j + 1]); });
  const i = argv.indexOf('--commit');
  const block = renderTemporalThroughput(r, machine(i > 0 ? argv[i + 1] : undefined), notes);
  const old = existsSync(PAGE) ? readFileSync(PAGE, 'utf8') : `${INTRO}\n`;
  await writeFileAtomic(PAGE, withTemporalThroughput(old, block));
  console.log(`temporal-throughput-page: block written to docs/results.md`);
  return 0;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err) => {
  process.stderr.write(`temporal-throughput-page: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
