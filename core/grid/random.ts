// Random search: grid points drawn without replacement, reproducibly from the search seed.
import { Rng } from '../rng.js';

/**
 * Grid indices 0..size-1 in a random order fixed by `seed`, lazily: a Fisher–Yates shuffle
 * whose swapped entries live in a Map, so drawing k points of a 10^12-point grid costs O(k).
 */
export function* randomOrder(size: number, seed: number): Generator<number> {
  const rng = new Rng(seed, 'random-search');
  const swapped = new Map<number, number>();
  for (let i = 0; i < size; i++) {
    const j = i + rng.int(size - i);
    const atJ = swapped.get(j) ?? j;
    const atI = swapped.get(i) ?? i;
    swapped.set(j, atI);
    swapped.delete(i);
    yield atJ;
  }
}
