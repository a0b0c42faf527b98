// Benchmark: the wasm backend's matrix product, ours (core/backend/wasm-gemm.ts) against the
// stock tfjs-wasm kernel (XNNPACK) in the same process, on the products of one training step of
// the trainer benchmark's model (64→512→512→1, batch 128) and a square 1024² product. The stock
// kernel is timed the way the trainer used it before: a transposed operand is transposed
// explicitly first (its transposed path is a scalar loop). Reported as GFLOP/s and as a ratio.
//
//   npm run bench:gemm            (or: node dist/bench/wasm-gemm.js [--seconds S])
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { installWasmGemm } from '../core/backend/wasm-gemm.js';

const secondsArg = process.argv.indexOf('--seconds');
const seconds = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 0.5;

interface Shape { name: string; M: number; N: number; K: number; tA: boolean; tB: boolean }
const shapes: Shape[] = [
  { name: 'forward, layer 1   X·W1', M: 128, N: 512, K: 64, tA: false, tB: false },
  { name: 'forward, layer 2   Z1·W2', M: 128, N: 512, K: 512, tA: false, tB: false },
  { name: 'backward, dW2     Z1ᵀ·G2', M: 512, N: 512, K: 128, tA: true, tB: false },
  { name: 'backward, dZ1     G2·W2ᵀ', M: 128, N: 512, K: 512, tA: false, tB: true },
  { name: 'backward, dW1      Xᵀ·G1', M: 64, N: 512, K: 128, tA: true, tB: false },
  { name: 'square 1024²', M: 1024, N: 1024, K: 1024, tA: false, tB: false },
];

/** Best GFLOP/s of 3 timed batches, each about `seconds` long, after a warm-up batch. */
function gflops(s: Shape, run: () => void): number {
  const flops = 2 * s.M * s.N * s.K;
  const reps = Math.max(3, Math.round((seconds * 20e9) / flops));
  for (let i = 0; i < reps; i++) run(); // warm-up: lets the wasm code tier up
  let best = 0;
  for (let r = 0; r < 3; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < reps; i++) run();
    best = Math.max(best, (flops * reps) / Number(process.hrtime.bigint() - t0));
  }
  return best;
}

function measure(s: Shape, explicitTransposes: boolean): number {
  const a = tf.randomNormal(s.tA ? [s.K, s.M] : [s.M, s.K]) as tf.Tensor2D;
  const b = tf.randomNormal(s.tB ? [s.N, s.K] : [s.K, s.N]) as tf.Tensor2D;
  const run = explicitTransposes
    ? () => tf.tidy(() => { tf.matMul(s.tA ? tf.transpose(a) : a, s.tB ? tf.transpose(b) : b).dataSync(); })
    : () => tf.tidy(() => { tf.matMul(a, b, s.tA, s.tB).dataSync(); });
  const g = gflops(s, run);
  tf.dispose([a, b]);
  return g;
}

setThreadsCount(1);
await tf.setBackend('wasm');
await tf.ready();
const stock = shapes.map((s) => measure(s, true));
const description = installWasmGemm();
if (!description) throw new Error('our wasm matrix product could not be installed here (no wasm SIMD?)');
const ours = shapes.map((s) => measure(s, false));

console.log(`wasm backend, 1 thread; ours: ${description}`);
console.log('product                      M×N×K            stock GFLOP/s  ours GFLOP/s  ours/stock');
shapes.forEach((s, i) => {
  console.log(`${s.name.padEnd(28)} ${`${s.M}×${s.N}×${s.K}`.padEnd(16)} ${stock[i].toFixed(1).padStart(13)} ${ours[i].toFixed(1).padStart(13)} ${(ours[i] / stock[i]).toFixed(2).padStart(11)}`);
});
const step = [0, 1, 2, 3, 4];
const flops = (i: number) => 2 * shapes[i].M * shapes[i].N * shapes[i].K;
const time = (g: number[]) => step.reduce((t, i) => t + flops(i) / g[i], 0);
console.log(`RATIO the step's five products, time stock/ours: ${(time(stock) / time(ours)).toFixed(2)}`);
