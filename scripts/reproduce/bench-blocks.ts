// Blocks of docs/results.md that a benchmark writes with its own command (they measure the
// product, not an example sweep): the page generator keeps them as they are, in this order after
// its own blocks, and shows a placeholder naming the command until one is written.
import { beginMarker, endMarker } from './section.js';

export const BENCH_BLOCKS: ReadonlyArray<{ name: string; title: string; command: string }> = [
  { name: 'pack-throughput', title: 'Throughput: packed trials', command: 'npm run bench:pack -- --write' },
  { name: 'temporal-pack', title: 'Cluster mode: trial packing on the local executor', command: 'npm run bench:temporal-pack' },
];

export function benchPlaceholder(name: string): string {
  const b = BENCH_BLOCKS.find((x) => x.name === name);
  if (!b) throw new Error(`no benchmark block ${name}`);
  return [beginMarker(name), `## ${b.title}`, '', `Not measured yet: run \`${b.command}\`.`, endMarker(name)].join('\n');
}
