// The results block bench/pack-throughput writes into docs/results.md: the machine, the sweep,
// one row per width (trial·steps/s of every side, ratios, goals) and the checks, all from one run.
import { COMPILED_STEP_TOLERANCE } from '../../core/backend/compiled-step.js';
import type { Agreement } from './compare.js';

export const BLOCK = 'pack-throughput';
const begin = `<!-- example:${BLOCK} -->`;
const end = `<!-- /example:${BLOCK} -->`;

export interface SideFigures {
  /** trial·steps per wall-clock second, and per CPU second of the process */
  wall: number;
  cpu: number;
  trialSteps: number;
  compileMs?: number;
  /** ours: the sweep's CPU time, and the CPU time of building one trial's task */
  cpuMs?: number;
  taskCpuMs?: number;
}

export interface WidthRow {
  width: number;
  trials: number;
  /** 'packed wasm', 'unpacked tfjs-node', 'jax loop', 'jax vmap', ... */
  sides: Record<string, SideFigures>;
  agreement: Record<string, Agreement>;
  schedule: Record<string, 'sequential' | 'together'>;
  jaxLoopVsVmap?: number;
  outcomes?: Record<string, number>;
  jaxOutcomes?: Record<string, number>;
}

export interface BenchRun {
  command: string;
  commit: string;
  date: string;
  cpu: string;
  vector: string;
  cpus: number;
  threads: number;
  rounds: number;
  load: [number, number];
  node: string;
  jax: string;
  tolerance: number | null;
  steps: number;
  lrs: number[];
  seeds: number;
  backends: string[];
  /** the widths the run set out to measure (rows holds those done) */
  widths: number[];
  rows: WidthRow[];
}

const NAMES: Record<string, string> = { wasm: 'wasm', 'tfjs-node': 'native', 'tfjs-node-compiled': 'native, compiled step' };
const num = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const ratio = (x: number) => `${x.toFixed(2)}×`;
const outcomeText = (o: Record<string, number> | undefined) => Object.entries(o ?? {}).map(([k, v]) => `${v} ${k}`).join(', ');

/** Goals of the issue: packed ≥ 3× the JAX loop at width ≤ 256, packed ≥ 1× JAX vmap. */
function goals(row: WidthRow, backend: string): string {
  const p = row.sides[`packed ${backend}`];
  const loop = p.wall / row.sides['jax loop'].wall, vmap = p.wall / row.sides['jax vmap'].wall;
  // per CPU second too: on a shared machine the wall ratio carries the load of the moment
  const cpu = (side: string) => ` (CPU time ${ratio(p.cpu / row.sides[side].cpu)})`;
  const parts = [];
  if (row.width <= 256) parts.push(`vs JAX loop ${ratio(loop)}${cpu('jax loop')} (goal ≥ 3×: ${loop >= 3 ? 'met' : 'not met'})`);
  else parts.push(`vs JAX loop ${ratio(loop)}${cpu('jax loop')}`);
  parts.push(`vs JAX vmap ${ratio(vmap)}${cpu('jax vmap')} (goal ≥ 1×: ${vmap >= 1 ? 'met' : 'not met'})`);
  return parts.join(', ');
}

/** How much of our packed sweep's CPU time goes into building the trials' tasks (once per trial). */
function taskShare(row: WidthRow, backends: string[]): string {
  const parts = backends.flatMap((x) => {
    const p = row.sides[`packed ${x}`];
    if (p.taskCpuMs === undefined || !p.cpuMs) return [];
    return [`${NAMES[x] ?? x} ${p.taskCpuMs.toFixed(0)} ms, ${row.trials} trials = ${((100 * row.trials * p.taskCpuMs) / p.cpuMs).toFixed(0)}% of the packed sweep's CPU time`];
  });
  return parts.length ? ` Building one trial's task (its data sets; every trial builds its own): ${parts.join('; ')}.` : '';
}

export function renderBlock(run: BenchRun): string {
  const b = run.backends;
  const cols = [...b.flatMap((x) => [`packed ${x}`, `unpacked ${x}`]), 'jax loop', 'jax vmap'];
  const label = (c: string) => c.replace(/^(packed|unpacked) (.*)$/, (_, m: string, x: string) => `ours ${m}, ${NAMES[x] ?? x}`).replace(/^jax /, 'JAX ');
  const lines: string[] = [begin, '## Throughput: packed trials', ''];
  lines.push(
    `Sweep throughput in trial·steps per second: ${run.rows[0]?.trials ?? 0} trials (η0 ${run.lrs.map((x) => String(x)).join(', ')} × ${run.seeds} seeds), `
    + `µP MLP 32→N→N→1 (depth 3, ReLU, ½·MSE, SGD at η0·N), teacher-mlp task (4096 training, 1024 test examples), batch 128, `
    + `${run.steps} steps, evaluated at step 0 and the last step. Ours: the trials as one pack (\`runPack\`, one process) and unpacked `
    + `(\`runTrial\` one after another, one process); JAX: one jit'd step with the trials one after another (loop), and the step `
    + `vmapped over the stacked trials (vmap). Each side in its own process, ${run.threads} thread(s) pinned to the same core(s); best of ${run.rounds} round(s).`,
    '',
    `Measured ${run.date} by \`${run.command}\` (\`npm run bench:pack\` runs the full set) at commit \`${run.commit}\` on `
    + `${run.cpu} (${run.vector}), ${run.cpus} CPUs, load average ${run.load[0].toFixed(1)} → ${run.load[1].toFixed(1)} `
    + `(the machine was shared: wall figures carry that load, CPU-time figures less so), Node ${run.node}, JAX ${run.jax} on the CPU.`,
    '',
  );
  const missing = run.widths.filter((w) => !run.rows.some((r) => r.width === w));
  if (missing.length) lines.push(`Partial run: width ${missing.join(', ')} not measured (yet).`, '');
  lines.push(
    `| width | ${cols.map(label).join(' | ')} |`,
    `|---|${cols.map(() => '---').join('|')}|`,
  );
  for (const row of run.rows) lines.push(`| ${row.width} | ${cols.map((c) => num(row.sides[c].wall)).join(' | ')} |`);
  lines.push('', 'Per CPU second of each process (trial·steps / CPU s):', '',
    `| width | ${cols.map(label).join(' | ')} |`, `|---|${cols.map(() => '---').join('|')}|`);
  for (const row of run.rows) lines.push(`| ${row.width} | ${cols.map((c) => num(row.sides[c].cpu)).join(' | ')} |`);
  lines.push('', 'Ratios (wall, same run; goals judged on wall time):', '');
  for (const row of run.rows) {
    for (const x of b) {
      const p = row.sides[`packed ${x}`].wall / row.sides[`unpacked ${x}`].wall;
      lines.push(`- width ${row.width}, ${NAMES[x] ?? x}: packed ${goals(row, x)}; packed / unpacked ${ratio(p)}.`);
    }
  }
  lines.push('', 'Checks:', '');
  for (const row of run.rows) {
    const sched = b.map((x) => `${NAMES[x] ?? x}: ${row.schedule[x] === 'sequential' ? 'sequential runPack (each trial finished before the next started)' : 'trials trained together'}`).join('; ');
    const agree = b.map((x) => {
      const a = row.agreement[x];
      const how = x === 'tfjs-node-compiled' ? `within COMPILED_STEP_TOLERANCE ${COMPILED_STEP_TOLERANCE}`
        : run.tolerance === null ? 'exactly equal required (core/train/packed states no PACK_TOLERANCE)' : `within PACK_TOLERANCE ${run.tolerance}`;
      return `${NAMES[x] ?? x} ${a.ok ? 'agree' : 'DISAGREE'} (largest relative difference ${a.worst.toExponential(2)}${a.outcomeMismatches.length ? `, outcomes differ in ${a.outcomeMismatches.length} trials` : ''}; ${how})`;
    }).join('; ');
    lines.push(`- width ${row.width}: pack schedule ${sched}. Packed vs unpacked outcomes and final training losses: ${agree}. `
      + `Outcomes: ours ${outcomeText(row.outcomes)}; JAX ${outcomeText(row.jaxOutcomes)}. JAX loop vs vmap final losses: largest relative difference ${(row.jaxLoopVsVmap ?? NaN).toExponential(2)}; `
      + `JAX compilation (excluded): loop ${((row.sides['jax loop'].compileMs ?? 0) / 1000).toFixed(1)} s, vmap ${((row.sides['jax vmap'].compileMs ?? 0) / 1000).toFixed(1)} s.`
      + taskShare(row, b));
  }
  lines.push('',
    'What differs between the sides: the data (the product draws its teacher-mlp task with its own generator in each trial, '
    + 'JAX draws a tanh teacher of the same shape once with numpy), the initial weights and batch orders (same distributions, '
    + 'different generators), and start-up: ours excludes backend start and a two-step warm-up, JAX excludes compilation; '
    + 'the product\'s figures include building each trial\'s task and its host-side bookkeeping. Both read every step\'s loss '
    + 'back for the divergence check (vmap: one vector per step; a diverged trial is masked out and stops counting steps).',
    end);
  return lines.join('\n');
}

/** `page` with the benchmark's block replaced, or appended when it has none. */
export function replaceBlock(page: string, block: string): string {
  const i = page.indexOf(begin), j = page.indexOf(end);
  if (i >= 0 && j > i) return page.slice(0, i) + block + page.slice(j + end.length);
  return `${page.replace(/\n*$/, '\n\n')}${block}\n`;
}
