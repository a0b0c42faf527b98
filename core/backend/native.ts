// Loads the native TensorFlow backend (tfjs-node / tfjs-node-gpu built by
// scripts/install-tfjs-native.sh) into this process and describes it, e.g.
// "tensorflow 2.21.0 (native, 2 threads)".
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { installCommand, nativeInstalled, nativePackageDir, NATIVE_PACKAGE, type NativeVariant } from './native-location.js';

/** The backend name both native packages register with tfjs. */
export const NATIVE_BACKEND = 'tensorflow';

/** The parts of the addon's binding read here (the package ships no typings we can use). */
interface Binding {
  TF_Version?: string;
  isUsingGpuDevice?: () => boolean;
}

/** A native backend that was asked for but cannot load; the message names the fix. */
export class NativeBackendMissing extends Error {
  readonly code = 'SWEEP_NATIVE_BACKEND_MISSING';
}

const loaded = new Map<NativeVariant, string>();
const modules = new Map<NativeVariant, unknown>();

/** The loaded tfjs-node package of a variant (its `node` namespace loads SavedModels), or null. */
export function nativeModule(variant: NativeVariant): unknown {
  return modules.get(variant) ?? null;
}

/**
 * Loads a variant and makes it the active tfjs backend. threads > 0 caps TensorFlow's intra-op
 * pool; TensorFlow reads the variable when its first context is created, so only the first load
 * in a process can set it. Throws NativeBackendMissing when the build is absent or broken.
 */
export function loadNative(variant: NativeVariant, threads: number): string {
  let description = loaded.get(variant);
  if (!description) {
    const dir = nativePackageDir(variant);
    if (!nativeInstalled(variant)) {
      throw new NativeBackendMissing(`backend ${NATIVE_PACKAGE[variant].split('/')[1]} is not installed (no build in ${dir}); run ${installCommand(variant)}`);
    }
    if (threads > 0) process.env.TF_NUM_INTRAOP_THREADS = String(threads);
    process.env.TF_CPP_MIN_LOG_LEVEL ??= '2'; // TensorFlow's start-up banner is noise on stderr
    try {
      modules.set(variant, createRequire(import.meta.url)(dir));
    } catch (err) {
      throw new NativeBackendMissing(`backend ${NATIVE_PACKAGE[variant].split('/')[1]} failed to load from ${dir} (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); run ${installCommand(variant)} again`, { cause: err });
    }
    const used = threads > 0 ? threads : Number(process.env.TF_NUM_INTRAOP_THREADS) || Math.max(1, availableParallelism());
    const binding = (tf.findBackend(NATIVE_BACKEND) as unknown as { binding?: Binding } | null)?.binding;
    const gpu = binding?.isUsingGpuDevice?.() ? 'GPU' : null;
    description = `tensorflow ${binding?.TF_Version ?? '?'} (native${gpu ? `, ${gpu}` : ''}, ${used} thread${used === 1 ? '' : 's'})`;
    loaded.set(variant, description);
  }
  return description;
}
