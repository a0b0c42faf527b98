// Replaces the wasm backend's BatchMatMul kernel with our own blocked GEMM (gemm/sgemm.c), run
// inside the tfjs-wasm module's memory so operands are read and the product written in place.
// The stock kernel runs products with a transposed operand through a scalar loop and its XNNPACK
// path uses SIMD without fused multiply-add; ours absorbs transposes into packing and uses
// relaxed SIMD's multiply-add (an FMA on x86-64 with FMA3). Measured in docs/benchmarks.md.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { firstLine } from '../error-message.js';

interface GemmExports {
  sgemm(M: number, N: number, K: number, a: number, transA: number, b: number, transB: number, c: number, alpha: number, scratch: number): void;
  sgemm_fused(M: number, N: number, K: number, a: number, transA: number, b: number, transB: number, c: number, alpha: number,
    mask: number, z: number, scratch: number): void;
  scratch_floats(): number;
  madd_probe(a: number, b: number, c: number): number;
}

/** The Emscripten module behind the wasm backend: its memory and allocator. */
interface EmscriptenParts {
  asm?: { memory?: WebAssembly.Memory };
  _malloc(bytes: number): number;
}

export type GemmBuild = 'relaxed' | 'simd';

const gemmDir = fileURLToPath(new URL('../../../core/backend/gemm/', import.meta.url));

const bytes = new Map<GemmBuild, Uint8Array>();

/** The compiled module for a build, read (once) from the checkout or image, next to its source. */
export function gemmBytes(build: GemmBuild): Uint8Array {
  let b = bytes.get(build);
  if (!b) bytes.set(build, (b = readFileSync(`${gemmDir}sgemm-${build}.wasm`)));
  return b;
}

/**
 * The best build this runtime accepts. Relaxed SIMD is standard from V8 11.4 (Node 22); Node 20
 * has it behind a flag, which may be turned on before any module using it is compiled.
 */
export function chooseGemmBuild(): GemmBuild | null {
  const relaxed = gemmBytes('relaxed');
  if (!WebAssembly.validate(relaxed)) setFlagsFromString('--experimental-wasm-relaxed-simd');
  if (WebAssembly.validate(relaxed)) return 'relaxed';
  return WebAssembly.validate(gemmBytes('simd')) ? 'simd' : null;
}

/** Instantiates a build that works inside `memory` (it has no memory of its own). */
export function instantiateGemm(build: GemmBuild, memory: WebAssembly.Memory): GemmExports {
  const module = new WebAssembly.Module(gemmBytes(build));
  return new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as GemmExports;
}

/** Whether relaxed multiply-add is fused here: (1+2⁻¹²)² − (1+2⁻¹¹) is 2⁻²⁴ fused, 0 rounded. */
function fused(gemm: GemmExports): boolean {
  const a = 1 + 2 ** -12;
  return gemm.madd_probe(a, a, -(1 + 2 ** -11)) !== 0;
}

/**
 * The flat index, in an input's batch dimensions, of output batch `o` under broadcasting (the
 * input's shape right-aligned against the output's; its size-1 dimensions repeat).
 */
function broadcastIndex(o: number, outShape: number[], inShape: number[]): number {
  let index = 0, stride = 1, rest = o;
  for (let d = outShape.length - 1, e = inShape.length - 1; d >= 0; d--, e--) {
    const coord = rest % outShape[d];
    rest = Math.floor(rest / outShape[d]);
    if (e < 0) continue;
    if (inShape[e] !== 1) index += coord * stride;
    stride *= inShape[e];
  }
  return index;
}

let installed: string | null = null;
let active = false;
/** the wasm backend instance the kernels were installed on (its memory is the one they use) */
let installedOn: BackendWasm | null = null;

/**
 * The fused product the model calls on the wasm backend (matmul.ts): 2-D C = alpha·op(A)·op(B),
 * then C·step(mask) when a `mask` input is given, and a second output relu(C) when `relu` is
 * set, all in one pass of the kernel's epilogue. Registered with our BatchMatMul.
 */
export const FUSED_MATMUL = 'SweepFusedMatMul';

export interface FusedMatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
  alpha: number;
  relu: boolean;
}

/**
 * Installs the kernel on the initialised wasm backend and returns a description such as
 * "gemm: relaxed-simd, fma", or null when the runtime has no wasm SIMD (the stock kernel stays).
 * SWEEP_WASM_GEMM=xnnpack keeps the stock kernel (for comparisons).
 */
export function installWasmGemm(): string | null {
  if (installed) return installed;
  if (process.env.SWEEP_WASM_GEMM === 'xnnpack') return null;
  const backend = tf.findBackend('wasm') as BackendWasm | null;
  const parts = backend?.wasm as unknown as EmscriptenParts | undefined;
  const memory = parts?.asm?.memory;
  if (!backend || !parts || !(memory instanceof WebAssembly.Memory)) return null;
  let build: GemmBuild | null;
  try {
    build = chooseGemmBuild();
  } catch (err) {
    // a packaging fault, not a reason to stop training: the stock kernel works, only slower
    installed = `gemm: stock (${firstLine(err)})`;
    return installed;
  }
  const stock = tf.getKernel('BatchMatMul', 'wasm');
  if (!build || !stock) return null;
  const gemm = instantiateGemm(build, memory);
  const scratch = parts._malloc(gemm.scratch_floats() * 4);

  const kernelFunc: tf.KernelFunc = (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const be = args.backend as BackendWasm;
    // another dtype (the stock kernel refuses it), or a backend re-created with a new memory
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || be !== backend) return stock.kernelFunc(args);
    const ra = a.shape.length, rb = b.shape.length;
    const M = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
    const K = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
    const Kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
    const N = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
    if (K !== Kb) {
      throw new Error(`matMul: inner dimensions ${K} and ${Kb} of shapes [${a.shape}] and [${b.shape}] `
        + `(transposeA=${transposeA}, transposeB=${transposeB}) do not match`);
    }
    const batchesA = a.shape.slice(0, -2), batchesB = b.shape.slice(0, -2);
    const batchShape = tf.backend_util.assertAndGetBroadcastShape(batchesA, batchesB);
    const out = be.makeOutput([...batchShape, M, N], 'float32');
    if (M === 0 || N === 0) return out;
    const pa = be.getMemoryOffset(a.dataId), pb = be.getMemoryOffset(b.dataId), pc = be.getMemoryOffset(out.dataId);
    for (let o = 0; o < tf.util.sizeFromShape(batchShape); o++) {
      gemm.sgemm(M, N, K,
        pa + broadcastIndex(o, batchShape, batchesA) * M * K * 4, transposeA ? 1 : 0,
        pb + broadcastIndex(o, batchShape, batchesB) * K * N * 4, transposeB ? 1 : 0,
        pc + o * M * N * 4, 1, scratch);
    }
    return out;
  };
  const fusedFunc: tf.KernelFunc = (args) => {
    const { a, b, mask } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo; mask?: tf.TensorInfo };
    const { transposeA, transposeB, alpha, relu } = args.attrs as unknown as FusedMatMulAttrs;
    const be = args.backend as BackendWasm;
    if (be !== backend) throw new Error(`${FUSED_MATMUL} runs only on the wasm backend it was installed on`);
    if (a.shape.length !== 2 || b.shape.length !== 2 || a.dtype !== 'float32' || b.dtype !== 'float32') {
      throw new Error(`${FUSED_MATMUL}: 2-D float32 operands only, got [${a.shape}] ${a.dtype} and [${b.shape}] ${b.dtype}`);
    }
    const M = transposeA ? a.shape[1] : a.shape[0], K = transposeA ? a.shape[0] : a.shape[1];
    const Kb = transposeB ? b.shape[1] : b.shape[0], N = transposeB ? b.shape[0] : b.shape[1];
    if (K !== Kb) throw new Error(`${FUSED_MATMUL}: inner dimensions ${K} and ${Kb} of shapes [${a.shape}] and [${b.shape}] do not match`);
    if (mask && (mask.shape.length !== 2 || mask.shape[0] !== M || mask.shape[1] !== N || mask.dtype !== 'float32')) {
      throw new Error(`${FUSED_MATMUL}: mask of shape [${mask.shape}] ${mask.dtype}, expected [${M},${N}] float32`);
    }
    const out = be.makeOutput([M, N], 'float32');
    const z = relu ? be.makeOutput([M, N], 'float32') : null;
    if (M > 0 && N > 0) {
      gemm.sgemm_fused(M, N, K,
        be.getMemoryOffset(a.dataId), transposeA ? 1 : 0, be.getMemoryOffset(b.dataId), transposeB ? 1 : 0,
        be.getMemoryOffset(out.dataId), alpha,
        mask ? be.getMemoryOffset(mask.dataId) : 0, z ? be.getMemoryOffset(z.dataId) : 0, scratch);
    }
    return z ? [out, z] : out;
  };
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({ kernelName: 'BatchMatMul', backendName: 'wasm', kernelFunc });
  if (!tf.getKernel(FUSED_MATMUL, 'wasm')) tf.registerKernel({ kernelName: FUSED_MATMUL, backendName: 'wasm', kernelFunc: fusedFunc });
  active = true;
  installedOn = backend;
  installed = `gemm: ${build === 'relaxed' ? 'relaxed-simd' : 'simd'}, ${fused(gemm) ? 'fma' : 'mul+add'}`;
  return installed;
}

/**
 * Whether FUSED_MATMUL can run now: the wasm backend is active and is the instance the kernel
 * was installed on (a backend re-created with a new memory falls back to the separate ops).
 */
export function fusedMatMulReady(): boolean {
  return active && tf.getBackend() === 'wasm' && tf.backend() === installedOn;
}

/** Whether our kernel runs BatchMatMul on the wasm backend (else the stock one does). */
export function wasmGemm(): boolean {
  return active;
}
