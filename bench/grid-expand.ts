// Benchmark: resolving a 10,000-trial spec (YAML parse, validation of every section and axis
// value, expansion, validation and defaults of every trial config, trial ids). Target: under a
// second. Reported as a ratio to a reference measured in the same run on the same machine:
// a JSON.stringify + JSON.parse round trip of the same 10,000 resolved configs, the cheapest
// thing that touches every config once.
//
//   npm run bench:grid            (or: node dist/bench/grid-expand.js [--runs N])
import { parseSpec } from '../core/config/spec.js';

const SPEC = `name: bench-grid
task: { kind: teacher-mlp, inputDim: 32, trainSize: 4096, testSize: 1024 }
model: { kind: mlp, activation: relu, depth: 3, width: 256, parametrization: mup, gamma: 1 }
optimizer: { kind: sgd, lr: 0.1 }
train: { steps: 400, batchSize: 128, evalEvery: 25 }
measure: { sharpness: { every: 50, iterations: 20, batchSize: 512 } }
grid:
  model.width: { linspace: [64, 640, 10] }
  model.gamma: [0.5, 1, 2, 4, 8]
  zip:
    - model.depth: [2, 3]
      train.steps: [200, 400]
  optimizer.lr: { logspace: [0.001, 10, 10] }
  seed: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;

// warm-up: module loading and JIT are not what we measure
let resolved = parseSpec(SPEC, { yes: true });
const gridPoints = resolved.spec.grid.size;
const trials = resolved.plans.length;

// CPU time of this process as well as wall time: on a shared machine the wall clock also counts
// the time spent waiting for a core, the CPU time does not.
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const expandMs: number[] = [];
const refMs: number[] = [];
const expandCpuMs: number[] = [];
for (let r = 0; r < runs; r++) {
  const c0 = cpuMs();
  const t0 = performance.now();
  resolved = parseSpec(SPEC, { yes: true });
  const t1 = performance.now();
  expandCpuMs.push(cpuMs() - c0);
  const configs = resolved.plans.map((p) => p.config);
  const t2 = performance.now();
  const copy = JSON.parse(JSON.stringify(configs)) as unknown[];
  const t3 = performance.now();
  if (copy.length !== trials) throw new Error('reference round trip lost configs');
  expandMs.push(t1 - t0);
  refMs.push(t3 - t2);
}

const expand = median(expandMs);
const ref = median(refMs);
const result = {
  bench: 'grid-expand',
  gridPoints,
  trials,
  duplicatesCollapsed: resolved.duplicates,
  runs,
  expandMedianMs: Number(expand.toFixed(1)),
  expandCpuMedianMs: Number(median(expandCpuMs).toFixed(1)),
  referenceMedianMs: Number(ref.toFixed(1)),
  ratioToReference: Number((expand / ref).toFixed(2)),
  underOneSecond: expand < 1000,
  cpuUnderOneSecond: median(expandCpuMs) < 1000,
  heapUsedMB: Number((process.memoryUsage().heapUsed / 2 ** 20).toFixed(1)),
};
console.log(`grid-expand: ${gridPoints} grid points → ${trials} trials resolved in ${result.expandMedianMs} ms wall, ${result.expandCpuMedianMs} ms CPU (median of ${runs}); ` +
  `reference JSON round trip of the same configs ${result.referenceMedianMs} ms; ratio ${result.ratioToReference}×; ` +
  `${result.underOneSecond ? 'under' : 'OVER'} the 1 s target`);
console.log(JSON.stringify(result));
