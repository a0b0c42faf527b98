// Where the native TensorFlow backend lives. Its registry packages cannot install the usual way
// (their install script downloads libtensorflow from a host that is often unreachable), so
// scripts/install-tfjs-native.sh builds them from PyPI's TensorFlow wheel into the project's
// .cache/ folder, outside node_modules; the product loads them from there.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type NativeVariant = 'cpu' | 'gpu';

export const NATIVE_PACKAGE: Record<NativeVariant, string> = {
  cpu: '@tensorflow/tfjs-node',
  gpu: '@tensorflow/tfjs-node-gpu',
};

/** The script that builds a variant, as a user types it from the project root. */
export function installCommand(variant: NativeVariant): string {
  return `scripts/install-tfjs-native.sh${variant === 'gpu' ? ' --gpu' : ''}`;
}

/** The project root: this file is core/backend/ in the sources and dist/core/backend/ when built. */
function projectRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const up2 = resolve(here, '..', '..');
  return existsSync(join(up2, 'package.json')) ? up2 : resolve(up2, '..');
}

/**
 * Folder of the built package for a variant: $SWEEP_TFJS_NATIVE_DIR/<variant> when set (the
 * trainer image), else <root>/.cache/tfjs-native/<variant> (or under $SWEEP_CACHE_DIR).
 */
export function nativePackageDir(variant: NativeVariant): string {
  return join(nativeVariantDir(variant), 'node_modules', ...NATIVE_PACKAGE[variant].split('/'));
}

/** The folder the install script fills for a variant (the package, TensorFlow's Python environment). */
export function nativeVariantDir(variant: NativeVariant): string {
  const base = process.env.SWEEP_TFJS_NATIVE_DIR
    ?? join(process.env.SWEEP_CACHE_DIR ?? join(projectRoot(), '.cache'), 'tfjs-native');
  return join(base, variant);
}

/** The Python with TensorFlow the install script sets up beside the package (it exports compiled steps). */
export function nativePython(variant: NativeVariant): string {
  return join(nativeVariantDir(variant), 'python', 'bin', 'python');
}

/** A file shipped with the sources (not compiled into dist/), by its path from the project root. */
export function sourceFile(...path: string[]): string {
  return join(projectRoot(), ...path);
}

/** Whether the install script has completed for a variant (it writes the stamp last). */
export function nativeInstalled(variant: NativeVariant): boolean {
  return existsSync(join(nativePackageDir(variant), '.sweep-build'));
}
