// Trainer benchmark: training steps per second of a depth-3 MLP at widths 128, 512 and 1024 (µP,
// ReLU, ½·MSE, SGD) at batch 128 with the product's trainer on the wasm backend and on the native TensorFlow
// backend (scripts/install-tfjs-native.sh; reported as not installed otherwise), eager and with
// backend.step compiled (the step as one TensorFlow graph), each as a ratio
// to the same model and update in JAX on the CPU, measured in the same run with the same thread
// count. Also the cost of one sharpness estimate (and of one Hessian-vector product) as a
// multiple of one step, and the CPU model with its vector width, which decides how far the
// 128-bit wasm SIMD kernels can come. JAX comes from PyPI into a private venv under .cache/.
//
//   npm run bench:train            # defaults below: widths 128, 512, 1024, 3 rounds, 1 thread
//   node dist/bench/train-vs-jax/run.js --rounds 5 --threads 1 --widths 512
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchSettings } from './tfjs-step.js';
import { installCommand, nativeInstalled } from '../../core/backend/native-location.js';
import { STEPS_PER_CALL } from '../../core/train/trainer.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cache = process.env.SWEEP_CACHE_DIR ?? join(root, '.cache');
const venv = join(cache, 'venv-jax');
const python = join(venv, 'bin', 'python');

function ensureJax(): void {
  if (existsSync(python)) {
    try { execFileSync(python, ['-c', 'import jax'], { stdio: 'ignore' }); return; } catch { /* install below */ }
  }
  mkdirSync(cache, { recursive: true });
  console.log(`installing jax (CPU) into ${venv} from PyPI ...`);
  execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  execFileSync(join(venv, 'bin', 'pip'), ['install', '-q', 'jax'], { stdio: 'inherit' });
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Runs a command pinned to the first `threads` CPUs when taskset exists (same cores for both sides). */
function pinned(threads: number, cmd: string, args: string[], input?: string, env?: NodeJS.ProcessEnv): string {
  const hasTaskset = spawnSync('taskset', ['--version']).status === 0;
  const [c, a] = hasTaskset ? ['taskset', ['-c', `0-${threads - 1}`, cmd, ...args]] : [cmd, args];
  const r = spawnSync(c, a, { input, env: { ...process.env, ...env }, maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr.toString()}`);
  return r.stdout.toString().trim().split('\n').pop()!;
}

function machine(): string {
  const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu}, ${cpus().length} CPUs, Node ${process.version}`;
}

/** The widest x86 vector extension the CPU reports (what native kernels can use; wasm stays at 128 bits). */
function vectorWidth(): string {
  const flags = new Set((readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:\s*(.*)$/m)?.[1] ?? '').split(/\s+/));
  if (flags.has('avx512f')) return `AVX-512 (512-bit${flags.has('amx_tile') ? ', AMX' : ''}${flags.has('avx512_bf16') ? ', bf16' : ''})`;
  if (flags.has('avx2')) return `AVX2 (256-bit${flags.has('fma') ? ', FMA' : ''})`;
  if (flags.has('avx')) return 'AVX (256-bit)';
  if (flags.has('sse2')) return 'SSE2 (128-bit)';
  return 'unknown (no x86 flags in /proc/cpuinfo)';
}

/** `--widths 128,512,1024` (or the older `--width 512`): the widths to measure, in order. */
function widths(): number[] {
  const i = process.argv.indexOf('--widths');
  if (i >= 0) return process.argv[i + 1].split(',').map(Number);
  const one = process.argv.indexOf('--width');
  return one >= 0 ? [Number(process.argv[one + 1])] : [128, 512, 1024];
}

type T = {
  msPerStep: number; cpuMsPerStep: number; msPerHvp: number; cpuMsPerHvp: number;
  msPerSharpness?: number; cpuMsPerSharpness?: number; sharpnessHvps?: number; backend?: string; jax?: string;
  /** per step, K steps per call (ours: Trainer.steps, compiled only; JAX: lax.scan) */
  msPerStepInCall?: number; cpuMsPerStepInCall?: number;
};

interface WidthRow { width: number; side: string; backend: string; step: number; cStep: number; jaxStep: number; cJaxStep: number }

function main(): void {
  ensureJax();
  const threads = arg('threads', 1);
  const rounds = arg('rounds', 3);
  const load0 = loadavg()[0];
  // the node wasm backend runs one thread in Node 20; XLA gets the same budget
  const xla = { XLA_FLAGS: `--xla_cpu_multi_thread_eigen=${threads > 1} intra_op_parallelism_threads=${threads}`, OMP_NUM_THREADS: String(threads) };
  const tfjsScript = fileURLToPath(new URL('./tfjs-step.js', import.meta.url));
  const jaxScript = join(root, 'bench', 'train-vs-jax', 'jax_step.py');
  // tfjs-node-compiled: the native backend with backend.step compiled (one TensorFlow graph per step)
  type Side = 'wasm' | 'tfjs-node' | 'tfjs-node-compiled';
  const sides: Side[] = nativeInstalled('cpu') ? ['wasm', 'tfjs-node', 'tfjs-node-compiled'] : ['wasm'];
  const sideSettings = (side: Side): Pick<BenchSettings, 'backend' | 'step'> => side === 'tfjs-node-compiled'
    ? { backend: 'tfjs-node', step: 'compiled' } : { backend: side, step: 'eager' };
  const f = (x: number, d = 2) => x.toFixed(d);
  const summary: WidthRow[] = [];
  console.log(`machine: ${machine()}; vector width ${vectorWidth()}`);
  if (!sides.includes('tfjs-node')) console.log(`native: not installed (run ${installCommand('cpu')}); wasm only`);
  for (const width of widths()) {
    // fewer timed steps where one step is long, so every width takes about the same time
    const steps = arg('steps', Math.max(20, Math.round(100 * (512 / width) ** 2)));
    const settings: BenchSettings = {
      backend: 'wasm', threads, inputDim: arg('input-dim', 64), width, depth: 3, batch: arg('batch', 128),
      probe: 512, lr: 0.05, warmup: 20, steps, rounds: 3, sharpnessIterations: 20, perCall: STEPS_PER_CALL,
    };
    const ours: Record<string, T[]> = { wasm: [], 'tfjs-node': [], 'tfjs-node-compiled': [] };
    const ref: T[] = [];
    // interleaved rounds, best of each: background load hits all sides alike
    for (let r = 0; r < rounds; r++) {
      for (const backend of sides) {
        ours[backend].push(JSON.parse(pinned(threads, process.execPath, [tfjsScript, JSON.stringify({ ...settings, ...sideSettings(backend) })])));
      }
      ref.push(JSON.parse(pinned(threads, python, [jaxScript], JSON.stringify(settings), xla)));
      process.stdout.write(`width ${width} round ${r + 1}/${rounds}: ${sides.map((b) => `${b} ${ours[b][r].msPerStep.toFixed(2)} ms/step (cpu ${ours[b][r].cpuMsPerStep.toFixed(2)})`).join(', ')}, `
        + `jax ${ref[r].msPerStep.toFixed(2)} ms/step (cpu ${ref[r].cpuMsPerStep.toFixed(2)})\n`);
    }
    const best = (xs: T[], k: keyof T) => Math.min(...xs.map((x) => (x[k] as number | undefined) ?? Infinity));
    const jaxStep = best(ref, 'msPerStep'), cJaxStep = best(ref, 'cpuMsPerStep');
    const jaxHvp = best(ref, 'msPerHvp'), cJaxHvp = best(ref, 'cpuMsPerHvp');
    const flops = 2 * settings.batch * (settings.inputDim * width + width * width + width) * 3;
    console.log('');
    console.log(`model: MLP ${settings.inputDim}→${width}→${width}→1, µP, ReLU, ½·MSE, SGD; batch ${settings.batch}; ${threads} thread(s), pinned; best of ${rounds} interleaved rounds of ${steps} steps`);
    console.log(`reference: jax ${ref[0].jax} on ${threads} CPU thread(s): ${f(jaxStep, 3)} ms/step (${f(1000 / jaxStep, 1)} steps/s, ${f(flops / jaxStep / 1e6, 1)} GFLOP/s), CPU ${f(cJaxStep, 3)} ms`);
    for (const side of sides) {
      const xs = ours[side];
      const step = best(xs, 'msPerStep'), cStep = best(xs, 'cpuMsPerStep');
      const hvp = best(xs, 'msPerHvp'), cHvp = best(xs, 'cpuMsPerHvp');
      const sharp = best(xs, 'msPerSharpness'), cSharp = best(xs, 'cpuMsPerSharpness');
      const goal = side === 'wasm' ? 'goal: JAX at most 2× faster' : 'goal: native ≥ 1.0× JAX';
      console.log(`${side}: ${xs[0].backend}`);
      console.log(`  training step, wall: ${f(step, 3)} ms (${f(1000 / step, 1)} steps/s, ${f(flops / step / 1e6, 1)} GFLOP/s); CPU time ${f(cStep, 3)} ms`);
      console.log(`  RATIO steps/s ${side}/jax: wall ${f(jaxStep / step, 3)} (JAX ${f(step / jaxStep)}× faster), CPU time ${f(cJaxStep / cStep, 3)} (JAX ${f(cStep / cJaxStep)}× faster); ${goal}`);
      console.log(`  Hessian-vector product (batch ${settings.probe}): ${f(hvp, 3)} ms = ${f(hvp / step)} steps (CPU: ${f(cHvp / cStep)} steps); jax ${f(jaxHvp, 3)} ms; ${side}/jax wall ${f(hvp / jaxHvp)}×, CPU ${f(cHvp / cJaxHvp)}×`);
      console.log(`  sharpness estimate (power iteration, ${xs[0].sharpnessHvps} HVPs, batch ${settings.probe}, cold start): ${f(sharp, 1)} ms = ${f(sharp / step, 1)} training steps (CPU: ${f(cSharp / cStep, 1)} steps)`);
      summary.push({ width, side, backend: xs[0].backend ?? side, step, cStep, jaxStep, cJaxStep });
      const inCall = best(xs, 'msPerStepInCall'), cInCall = best(xs, 'cpuMsPerStepInCall');
      if (Number.isFinite(inCall)) {
        // a trial's steps between evaluation points: ours as it runs them, against JAX's jit'd
        // step called once per step (the usual loop) and JAX's lax.scan over the same K batches
        const jaxScan = best(ref, 'msPerStepInCall'), cJaxScan = best(ref, 'cpuMsPerStepInCall');
        console.log(`  ${STEPS_PER_CALL} steps per call (as a trial runs them): ${f(inCall, 3)} ms/step wall, CPU ${f(cInCall, 3)} ms; RATIO vs JAX's step loop wall ${f(jaxStep / inCall, 3)}, CPU ${f(cJaxStep / cInCall, 3)}; vs JAX lax.scan of ${STEPS_PER_CALL} (${f(jaxScan, 3)} ms/step) wall ${f(jaxScan / inCall, 3)}, CPU ${f(cJaxScan / cInCall, 3)}`);
        summary.push({ width, side: `${side}-x${STEPS_PER_CALL}`, backend: `${xs[0].backend ?? side}, ${STEPS_PER_CALL} steps per call`, step: inCall, cStep: cInCall, jaxStep, cJaxStep });
        summary.push({ width, side: 'jax-scan', backend: `JAX lax.scan of ${STEPS_PER_CALL} steps (ours: ${STEPS_PER_CALL} per call)`, step: inCall, cStep: cInCall, jaxStep: jaxScan, cJaxStep: cJaxScan });
      }
    }
    console.log('');
  }
  console.log(`summary (${vectorWidth()}; load average ${f(load0)} → ${f(loadavg()[0])}): one unpacked training step, ours/JAX as steps/s ratios (≥ 1 = as fast as JAX or faster)`);
  console.log('| width | side | ms/step wall | ms/step CPU | JAX ms wall | JAX ms CPU | ratio wall | ratio CPU |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of summary) {
    console.log(`| ${r.width} | ${r.backend} | ${f(r.step, 3)} | ${f(r.cStep, 3)} | ${f(r.jaxStep, 3)} | ${f(r.cJaxStep, 3)} | ${f(r.jaxStep / r.step, 3)} | ${f(r.cJaxStep / r.cStep, 3)} |`);
  }
}

main();
