// Chooses and initialises the compute backend once per process. The native TensorFlow builds are
// optional (scripts/install-tfjs-native.sh makes them, core/backend/native.ts loads them): asked
// for by name, a missing build is an error naming that script; `auto` takes the GPU build when
// it is installed (the trainer image) and otherwise the wasm backend, the default everywhere.
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import type { BackendConfig } from '../config/trial.js';
import { installWasmGemm } from './wasm-gemm.js';
import { loadNative, NATIVE_BACKEND } from './native.js';
import { nativeInstalled, type NativeVariant } from './native-location.js';

export type BackendName = BackendConfig['name'];

interface Active {
  name: Exclude<BackendName, 'auto'>;
  description: string;
}

let active: Active | null = null;
let wasmThreadsRequested = -1;
let pending: Promise<Active> | null = null;

/** Description of the backend in use, e.g. "wasm (1 thread, simd)"; null before initBackend. */
export function activeBackend(): string | null {
  return active?.description ?? null;
}

/** Name of the backend in use (auto resolved), null before initBackend. */
export function activeBackendName(): Active['name'] | null {
  return active?.name ?? null;
}

/** CPUs this process may use (os.availableParallelism honours the process's CPU affinity). */
export function availableCpus(): number {
  return Math.max(1, availableParallelism());
}

async function useNative(variant: NativeVariant, threads: number): Promise<string> {
  const description = loadNative(variant, threads);
  if (!(await tf.setBackend(NATIVE_BACKEND))) throw new Error(`the native backend (${description}) failed to initialise`);
  await tf.ready();
  return description;
}

async function useWasm(threads: number): Promise<string> {
  const want = threads > 0 ? threads : availableCpus();
  // The thread count must be set before the backend initialises; later changes are ignored.
  if (wasmThreadsRequested === -1) {
    setThreadsCount(want);
    wasmThreadsRequested = want;
  }
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
  await tf.ready();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const multi = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  // Without multithread support (Node 20) the single-threaded binary runs whatever was requested.
  const used = multi ? getThreadsCount() : 1;
  const note = !multi && wasmThreadsRequested > 1 ? `; ${wasmThreadsRequested} requested, no wasm threads in this runtime` : '';
  // our matrix product replaces the stock one where the runtime has wasm SIMD (wasm-gemm.ts)
  const gemm = installWasmGemm();
  return `wasm (${used} thread${used === 1 ? '' : 's'}${simd ? ', simd' : ''}${gemm ? `; ${gemm}` : ''}${note})`;
}

/**
 * Initialises the backend named in the trial config (auto: the best available) and returns its
 * description. Idempotent: a second call with the same or an `auto` request keeps the backend.
 */
export async function initBackend(config: Partial<BackendConfig> = {}): Promise<string> {
  const name = config.name ?? 'auto';
  const threads = config.threads ?? 0;
  if (active && (name === 'auto' || name === active.name)) return active.description;
  const choose = async (): Promise<Active> => {
    if (name === 'tfjs-node-gpu' || (name === 'auto' && nativeInstalled('gpu'))) {
      return { name: 'tfjs-node-gpu', description: await useNative('gpu', threads) };
    }
    if (name === 'tfjs-node') return { name: 'tfjs-node', description: await useNative('cpu', threads) };
    if (name === 'cpu') {
      // chosen on purpose (and named in each trial's started event): tfjs's "install our node
      // backend" banner on its first tensor would only clutter the worker's log (PROD silences
      // tfjs's console warnings and logs, nothing else)
      tf.env().set('PROD', true);
      if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend failed to initialise');
      return { name: 'cpu', description: 'cpu (plain JavaScript, for debugging)' };
    }
    return { name: 'wasm', description: await useWasm(threads) };
  };
  // concurrent callers (trials starting together in one process) share one initialisation
  const mine = (pending ?? Promise.resolve()).catch(() => undefined).then(async () => {
    if (active && (name === 'auto' || name === active.name)) return active;
    return choose();
  });
  pending = mine;
  active = await mine;
  return active.description;
}
