// Sweep-throughput benchmark (trial·steps per second) of a 64-trial lr × seed sweep of µP MLPs
// at widths 64, 256 and 1024: the product's trials as one pack (`runPack`, one process) and
// unpacked (`runTrial` one after another), on wasm and on the native TensorFlow backend when it
// is installed, against JAX on the CPU training the same sweep trial after trial (one jit'd step)
// and vmapped over the trials (stacked parameters, lr and batch order per trial). Every side runs
// in its own process pinned to the same cores, in the same run; the figures are ratios. Checks
// that the packed and unpacked sweeps agree trial by trial (outcomes and final losses).
//
//   npm run bench:pack                 # full: widths 64,256,1024; 8 lr × 8 seeds; 100 steps
//   node dist/bench/pack-throughput/run.js --quick            # widths 64,256; 4 × 4; 20 steps
//   node dist/bench/pack-throughput/run.js --write            # also the block in docs/results.md
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { installCommand, nativeInstalled } from '../../core/backend/native-location.js';
import { agreement, packTolerance, relativeDifference } from './compare.js';
import { cpuModel, ensureJax, gitCommit, pinned, python, root, vectorWidth } from './host.js';
import type { OursResult, OursSettings } from './ours.js';
import { renderBlock, replaceBlock, type WidthRow, type BenchRun } from './report.js';
import { lrSeedGrid, OUR_BACKENDS, type OurBackend, type SweepSettings } from './sweep.js';
import { COMPILED_STEP_TOLERANCE } from '../../core/backend/compiled-step.js';

class UsageError extends Error {}

interface JaxResult {
  mode: 'loop' | 'vmap';
  trialSteps: number;
  wallMs: number;
  cpuMs: number;
  compileMs: number;
  finals: number[];
  outcomes: string[];
  jax: string;
}

function positiveInt(name: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name}: must be a whole number ≥ 1, got ${v}`);
  return n;
}

function options(argv: string[]) {
  const { values } = parseArgs({
    args: argv, strict: true, allowPositionals: false,
    options: {
      quick: { type: 'boolean', default: false }, write: { type: 'boolean', default: false },
      widths: { type: 'string' }, steps: { type: 'string' }, lrs: { type: 'string' }, seeds: { type: 'string' },
      lr0: { type: 'string' }, threads: { type: 'string' }, rounds: { type: 'string' }, backends: { type: 'string' },
    },
  });
  const q = values.quick;
  const widths = values.widths === undefined ? (q ? [64, 256] : [64, 256, 1024])
    : values.widths.split(',').map((w) => positiveInt('widths', w.trim(), 0));
  // η0 0.004–0.512: with µP's η0·N most trials train all their steps at widths 64–1024, so the
  // bench measures training rather than how fast diverged trials leave (a 0.0625–8 range lost
  // most trials in a few steps and measured per-trial overhead)
  const lr0 = values.lr0 === undefined ? 0.004 : Number(values.lr0);
  if (!(lr0 > 0 && Number.isFinite(lr0))) throw new UsageError(`--lr0: must be a positive number, got ${values.lr0}`);
  const backends = (values.backends ?? OUR_BACKENDS.join(',')).split(',').map((b) => b.trim());
  for (const b of backends) if (!(OUR_BACKENDS as readonly string[]).includes(b)) throw new UsageError(`--backends: one of ${OUR_BACKENDS.join(', ')}, got ${b}`);
  return {
    quick: q, write: values.write, widths, lr0, backends: backends as OurBackend[],
    steps: positiveInt('steps', values.steps, q ? 20 : 100),
    lrCount: positiveInt('lrs', values.lrs, q ? 4 : 8),
    seedCount: positiveInt('seeds', values.seeds, q ? 4 : 8),
    threads: positiveInt('threads', values.threads, 1),
    rounds: positiveInt('rounds', values.rounds, 1),
  };
}

const perSecond = (r: { trialSteps: number; wallMs: number }) => r.trialSteps / (r.wallMs / 1000);
const perCpuSecond = (r: { trialSteps: number; cpuMs: number }) => r.trialSteps / (r.cpuMs / 1000);
const fastest = <T extends { trialSteps: number; wallMs: number }>(xs: T[]): T => xs.reduce((a, b) => (perSecond(b) > perSecond(a) ? b : a));

function main(argv: string[]): number {
  const o = options(argv);
  ensureJax();
  const backends = o.backends.filter((b) => b === 'wasm' || nativeInstalled('cpu'));
  const skipped = o.backends.filter((b) => !backends.includes(b));
  if (skipped.length) console.log(`native backend not installed (run ${installCommand('cpu')}): wasm only`);
  const ours = fileURLToPath(new URL('./ours.js', import.meta.url));
  const jaxScript = join(root, 'bench', 'pack-throughput', 'jax_sweep.py');
  // XLA gets the same thread budget as the product's backends
  const xla = { XLA_FLAGS: `--xla_cpu_multi_thread_eigen=${o.threads > 1} intra_op_parallelism_threads=${o.threads}`, OMP_NUM_THREADS: String(o.threads) };
  const tol = packTolerance();
  const load0 = loadavg()[0];
  const grid = lrSeedGrid(o.lr0, o.lrCount, o.seedCount);
  const rows: WidthRow[] = [];
  let jaxVersion = 'unknown';
  // the code that runs is the code checked out now (later writes of the page change the tree)
  const commit = gitCommit();
  const report = (done: WidthRow[]): BenchRun => ({
    command: `node dist/bench/pack-throughput/run.js ${argv.join(' ')}`.trim(),
    commit, date: new Date().toISOString().slice(0, 10),
    cpu: cpuModel(), vector: vectorWidth(), cpus: cpus().length, threads: o.threads, rounds: o.rounds,
    load: [load0, loadavg()[0]], node: process.version, jax: jaxVersion, tolerance: tol,
    steps: o.steps, lrs: [...new Set(grid.lrs)], seeds: o.seedCount, backends, widths: o.widths, rows: done,
  });
  let agreed = true;
  for (const width of o.widths) {
    const sweep: SweepSettings = {
      width, depth: 3, inputDim: 32, batch: 128, steps: o.steps, trainSize: 4096, testSize: 1024, teacherWidth: 64,
      divergenceFactor: 1e6, ...grid,
    };
    const runs: Record<string, OursResult[]> = {};
    const jax: Record<'loop' | 'vmap', JaxResult[]> = { loop: [], vmap: [] };
    for (let r = 0; r < o.rounds; r++) {
      for (const backend of backends) {
        for (const mode of ['packed', 'unpacked'] as const) {
          const s: OursSettings = { mode, backend, threads: o.threads, sweep };
          const res = withFinals(JSON.parse(pinned(o.threads, process.execPath, [ours, JSON.stringify(s)])) as OursResult);
          (runs[`${mode} ${backend}`] ??= []).push(res);
          console.log(`width ${width} round ${r + 1}: ${mode} ${backend}: ${perSecond(res).toFixed(0)} trial·steps/s (${res.trialSteps} in ${(res.wallMs / 1000).toFixed(1)} s, CPU ${(res.cpuMs / 1000).toFixed(1)} s), pack ran ${res.schedule}`);
        }
      }
      for (const mode of ['loop', 'vmap'] as const) {
        const res = withFinals(JSON.parse(pinned(o.threads, python, [jaxScript], JSON.stringify({ mode, ...sweep }), xla)) as JaxResult);
        jax[mode].push(res);
        jaxVersion = res.jax;
        console.log(`width ${width} round ${r + 1}: jax ${mode}: ${perSecond(res).toFixed(0)} trial·steps/s (${res.trialSteps} in ${(res.wallMs / 1000).toFixed(1)} s, CPU ${(res.cpuMs / 1000).toFixed(1)} s; compile ${(res.compileMs / 1000).toFixed(1)} s excluded)`);
      }
    }
    const row: WidthRow = { width, trials: grid.lrs.length, sides: {}, agreement: {}, schedule: {} };
    for (const backend of backends) {
      for (const mode of ['packed', 'unpacked'] as const) {
        const best = fastest(runs[`${mode} ${backend}`]);
        row.sides[`${mode} ${backend}`] = { wall: perSecond(best), cpu: perCpuSecond(best), trialSteps: best.trialSteps, cpuMs: best.cpuMs, taskCpuMs: best.taskCpuMs };
      }
      // every round's packed sweep against the same round's unpacked one
      // compiled packs sum in another order than compiled trials alone (batched products)
      const within = backend === 'tfjs-node-compiled' ? COMPILED_STEP_TOLERANCE : tol;
      const checks = runs[`packed ${backend}`].map((p, i) => agreement(p, runs[`unpacked ${backend}`][i], within));
      const worst = checks.reduce((a, b) => (b.worst > a.worst || !b.ok ? b : a));
      row.agreement[backend] = worst;
      row.schedule[backend] = runs[`packed ${backend}`][0].schedule;
      if (!checks.every((c) => c.ok)) agreed = false;
    }
    for (const mode of ['loop', 'vmap'] as const) {
      const best = fastest(jax[mode]);
      row.sides[`jax ${mode}`] = { wall: perSecond(best), cpu: perCpuSecond(best), trialSteps: best.trialSteps, compileMs: best.compileMs };
    }
    row.jaxLoopVsVmap = Math.max(...jax.loop[0].finals.map((x, i) => relativeDifference(x, jax.vmap[0].finals[i])));
    row.outcomes = countOutcomes(runs[`unpacked ${backends[0]}`][0].outcomes);
    row.jaxOutcomes = countOutcomes(jax.loop[0].outcomes);
    rows.push(row);
    // the widths measured so far are kept on the page if a later width never finishes
    if (o.write && rows.length < o.widths.length) writeBlock(renderBlock(report(rows)));
  }
  const block = renderBlock(report(rows));
  console.log(`\n${block}`);
  if (o.write) writeBlock(block);
  if (!agreed) {
    console.error('pack-throughput: packed and unpacked sweeps disagree (see the agreement lines)');
    return 1;
  }
  return 0;
}

/** Writes the block into docs/results.md; also when the check failed (the block says DISAGREE). */
function writeBlock(block: string): void {
  const page = join(root, 'docs', 'results.md');
  writeFileSync(page, replaceBlock(readFileSync(page, 'utf8'), block));
  console.log('pack-throughput: block written to docs/results.md');
}

/** Both sides write a non-finite final loss as JSON null; it is NaN again here. */
function withFinals<T extends { finals: Array<number | null> }>(r: T): T & { finals: number[] } {
  return { ...r, finals: r.finals.map((f) => f ?? NaN) };
}

function countOutcomes(outcomes: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of outcomes) out[x] = (out[x] ?? 0) + 1;
  return out;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  if (err instanceof UsageError || (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))) {
    console.error(`pack-throughput: ${err.message}`);
    process.exitCode = 2;
  } else {
    throw err;
  }
}
