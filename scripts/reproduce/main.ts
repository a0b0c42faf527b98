// npm run reproduce [NAME...] [--small] [--skip-run] [--parallel N]: runs the shipped examples
// (all, or the named ones) and regenerates their sections of docs/results.md and their plots
// from the runs' summary.json; `preflight-cost` and `intervals` regenerate the page's blocks on
// the preflight's cost and the intervals' coverage. Bad input: one line, exit 2, nothing run and
// no page changed.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { analyzeFolder, AnalyzeFolderError } from '../../core/analysis/folder.js';
import { ConfigError } from '../../core/config/errors.js';
import { loadSpec } from '../../core/config/spec.js';
import type { TrialRecord } from '../../core/outcome.js';
import { readJsonl, writeFileAtomic } from '../../core/output/jsonl.js';
import { renderSvg } from '../../core/report/render-chart.js';
import { isEntryPoint } from '../../workers/entry-point.js';
import { loadExpectation, type Expectation } from './expectations.js';
import { assemblePage, PageError, parseBlocks } from './page.js';
import { plotSpec } from './plots.js';
import { readRunRecord, writeRunRecord } from './run-record.js';
import { placeholderSection, renderSection } from './section.js';
import { BENCH_BLOCKS, benchPlaceholder } from './bench-blocks.js';
import { INTERVALS, intervalsPlaceholder, measureIntervals } from './intervals.js';
import { PREFLIGHT_COST, preflightCostPlaceholder, recordedRun, renderPreflightCost, type CostRow } from './preflight-cost.js';
import { TEMPORAL_THROUGHPUT, temporalThroughputPlaceholder } from './temporal-throughput.js';
import { wallSeconds, type RunFacts, type RunSpec } from './setup.js';
import { PREFLIGHT_FILE, type PreflightRecord } from '../../core/preflight/run.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const EXAMPLES = join(ROOT, 'examples');
const PAGE = join(ROOT, 'docs', 'results.md');
const PLOTS = join(ROOT, 'docs', 'results');
const CLI = join(ROOT, 'dist', 'workers', 'cli.js');

/** Invalid input: reported in one line with exit code 2. */
class UsageError extends Error {}

/** The shipped examples (examples/NAME.yaml, not the -small versions): quickstart first. */
export function exampleNames(files: readonly string[]): string[] {
  const names = files.filter((f) => f.endsWith('.yaml') && !f.endsWith('-small.yaml') && !f.endsWith('.expect.yaml')).map((f) => f.slice(0, -'.yaml'.length));
  return names.sort((a, b) => (a === 'quickstart' ? -1 : b === 'quickstart' ? 1 : a.localeCompare(b)));
}

/**
 * Examples with their own trainer (examples/byo-X/NAME.expect.yaml): name `byo-X-NAME` (a page
 * block's name) to its path under examples/, `byo-jax/lr-transfer`.
 */
export function byoExamples(examples: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const dir of readdirSync(examples).filter((d) => d.startsWith('byo-')).sort()) {
    for (const f of readdirSync(join(examples, dir)).filter((f) => f.endsWith('.expect.yaml')).sort()) {
      const base = f.slice(0, -'.expect.yaml'.length);
      out.set(`${dir}-${base}`, `${dir}/${base}`);
    }
  }
  return out;
}

function gitCommit(): string | null {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    // the page and plots this script writes do not make the code differ from the commit
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', '.', ':!docs/results.md', ':!docs/results'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head} + uncommitted changes` : head;
  } catch {
    return null;
  }
}

interface Job { name: string; path: string; expect: Expectation; specFile: string; specName: string; gridTrials: number; outDir: string }

async function prepare(name: string, small: boolean, path = name): Promise<Job> {
  const smallFile = join(EXAMPLES, `${path}-small.yaml`);
  const file = small && existsSync(smallFile) ? smallFile : join(EXAMPLES, `${path}.yaml`);
  const expectFile = join(EXAMPLES, `${path}.expect.yaml`);
  if (!existsSync(expectFile)) throw new UsageError(`examples/${path}.expect.yaml: missing (every example declares what it is expected to show)`);
  const expect = loadExpectation(expectFile);
  const resolved = await loadSpec(file, { commandTrainer: true });
  return { name, path, expect, specFile: relative(ROOT, file), specName: resolved.spec.name, gridTrials: resolved.plans.length, outDir: join(ROOT, 'runs', resolved.spec.name) };
}

/** Runs one example with the sweep CLI; returns its exit code (0 done, 1 some trials failed). */
function runExample(job: Job, parallel: number | undefined): number {
  const args = [CLI, 'run', join(ROOT, job.specFile), '--out', job.outDir, ...(parallel ? ['--parallel', String(parallel)] : [])];
  console.log(`reproduce: ${job.name}: node ${args.map((a) => relative(ROOT, a) || a).join(' ')}`);
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: ROOT });
  return r.status ?? 1;
}

async function readTrials(dir: string): Promise<TrialRecord[]> {
  const out: TrialRecord[] = [];
  for await (const { value } of readJsonl(join(dir, 'trials.jsonl'))) {
    if (typeof value === 'object' && value !== null && 'id' in value) out.push(value as unknown as TrialRecord);
  }
  return out;
}

/** The run's preflight.json, or null when it has none (or an unreadable one). */
function readPreflight(dir: string): PreflightRecord | null {
  const p = join(dir, PREFLIGHT_FILE);
  if (!existsSync(p)) return null;
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as PreflightRecord;
  } catch {
    return null;
  }
}

async function section(job: Job): Promise<string> {
  const { summary } = await analyzeFolder(job.outDir);
  const spec = JSON.parse(readFileSync(join(job.outDir, 'spec.json'), 'utf8')) as RunSpec;
  const trials = await readTrials(job.outDir);
  const rec = readRunRecord(job.outDir);
  const pf = readPreflight(job.outDir);
  const facts: RunFacts = {
    specFile: rec?.specFile ?? job.specFile, gridTrials: job.gridTrials,
    parallel: rec?.parallel ?? null, cpus: rec?.cpus ?? null, load: rec?.load ?? null, commit: rec?.commit ?? null,
    preflight: pf && { seconds: pf.coordCheck ? pf.coordCheck.durationMs / 1000 : null, skipped: pf.skipped, ok: pf.coordCheck?.ok ?? true },
  };
  mkdirSync(PLOTS, { recursive: true });
  const plots: { path: string; caption: string }[] = [];
  for (const p of job.expect.plots) {
    const spec = plotSpec(summary, p);
    if (typeof spec === 'string') {
      console.error(`reproduce: ${job.name}: plot not drawn: ${spec}`);
      continue;
    }
    await writeFileAtomic(join(PLOTS, `${p.file}.svg`), await renderSvg(spec));
    plots.push({ path: `results/${p.file}.svg`, caption: p.caption });
  }
  return renderSection({ name: job.name, path: job.path, expect: job.expect, summary, spec, trials, facts, plots });
}

/** `sweep coord-check` of a spec file: its measured wall time in seconds, or why there is none. */
function measureCoordCheck(specFile: string): { seconds: number | null; problem?: string } {
  const out = mkdtempSync(join(tmpdir(), 'sweep-reproduce-cc-'));
  try {
    console.log(`reproduce: ${PREFLIGHT_COST}: node dist/workers/cli.js coord-check ${specFile}`);
    const r = spawnSync(process.execPath, [CLI, 'coord-check', join(ROOT, specFile), '--out', out], { stdio: ['ignore', 'inherit', 'inherit'], cwd: ROOT });
    if (r.status !== 0) return { seconds: null, problem: `\`sweep coord-check\` exited ${r.status ?? r.signal}` };
    const rec = JSON.parse(readFileSync(join(out, 'coord-check.json'), 'utf8')) as PreflightRecord;
    return { seconds: rec.coordCheck ? rec.coordCheck.durationMs / 1000 : null };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/**
 * One example's preflight cost: from its run folder (preflight.json, trials.jsonl) where it
 * has them, else the wall time its section records and a coord check measured now.
 */
async function preflightCost(name: string, page: Map<string, string>, commit: string | null): Promise<CostRow> {
  const recorded = recordedRun(page.get(name) ?? '');
  const specFile = recorded.specFile ?? `examples/${name}.yaml`;
  const dir = join(ROOT, 'runs', (await loadSpec(join(ROOT, specFile))).spec.name);
  const hasRun = existsSync(join(dir, 'trials.jsonl'));
  const runCommit = hasRun ? readRunRecord(dir)?.commit ?? null : recorded.commit;
  const runLoad = hasRun ? readRunRecord(dir)?.load ?? null : null;
  const sweepSeconds = hasRun ? wallSeconds(await readTrials(dir)) : recorded.wallSeconds;
  const pf = hasRun ? readPreflight(dir)?.coordCheck : null;
  if (pf) return { name, specFile, preflightSeconds: pf.durationMs / 1000, sweepSeconds, source: { kind: 'same run', commit: runCommit, load: runLoad } };
  const m = measureCoordCheck(specFile);
  const checkLoad = loadavg()[0];
  const problems = [m.problem, sweepSeconds === null ? `no recorded run: \`npm run reproduce ${name}\` measures it` : undefined].filter(Boolean);
  return {
    name, specFile, preflightSeconds: m.seconds, sweepSeconds, source: { kind: 'apart', sweepCommit: runCommit, sweepLoad: runLoad, checkCommit: commit, checkLoad },
    ...(problems.length ? { problem: problems.join('; ') } : {}),
  };
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: { small: { type: 'boolean', default: false }, 'skip-run': { type: 'boolean', default: false }, parallel: { type: 'string' } },
  });
  const parallel = values.parallel === undefined ? undefined : Number(values.parallel);
  if (parallel !== undefined && !(Number.isInteger(parallel) && parallel >= 1)) throw new UsageError(`--parallel: must be a whole number ≥ 1, got ${values.parallel}`);
  const byo = byoExamples(EXAMPLES);
  const all = [...exampleNames(readdirSync(EXAMPLES)), ...byo.keys()];
  // the page's blocks: one per example, the preflight's cost, the measured coverage of the intervals
  // (and the Temporal throughput block, written by its benchmark's log: kept as it is here)
  const extra = [PREFLIGHT_COST, INTERVALS, TEMPORAL_THROUGHPUT];
  const blocks = [...all, ...extra];
  const unknown = positionals.filter((n) => !blocks.includes(n));
  if (unknown.length) throw new UsageError(`unknown example ${unknown.join(', ')} (examples: ${all.join(', ')}; also ${extra.join(', ')})`);
  const names = positionals.length ? positionals : blocks;
  // Every spec and expectation is checked before anything runs.
  const jobs: Job[] = [];
  for (const n of names) if (!extra.includes(n)) jobs.push(await prepare(n, values.small, byo.get(n)));
  const expectations = new Map<string, Expectation>();
  for (const n of all) expectations.set(n, jobs.find((j) => j.name === n)?.expect ?? loadExpectation(join(EXAMPLES, `${byo.get(n) ?? n}.expect.yaml`)));
  const commit = gitCommit();
  const done = new Map<string, string>();
  const benches = BENCH_BLOCKS.map((b) => b.name);
  const placeholder = (n: string) => (benches.includes(n) ? benchPlaceholder(n) : n === INTERVALS ? intervalsPlaceholder() : n === PREFLIGHT_COST ? preflightCostPlaceholder()
    : n === TEMPORAL_THROUGHPUT ? temporalThroughputPlaceholder() : placeholderSection(n, expectations.get(n)!, byo.get(n)));
  const write = async () => {
    const old = existsSync(PAGE) ? readFileSync(PAGE, 'utf8') : null;
    // the benchmarks' blocks are kept as their own commands wrote them
    await writeFileAtomic(PAGE, assemblePage(old, done, [...blocks, ...benches], placeholder));
  };
  for (const job of jobs) {
    if (!values['skip-run']) {
      const code = runExample(job, parallel);
      if (code !== 0 && code !== 1) return code;
      writeRunRecord(job.outDir, { specFile: job.specFile, parallel: parallel ?? null, cpus: cpus().length, load: loadavg()[1], commit });
    } else if (!existsSync(join(job.outDir, 'trials.jsonl'))) {
      if (positionals.length) throw new UsageError(`${relative(ROOT, job.outDir)}: no run of ${job.name} to regenerate from (run without --skip-run)`);
      console.log(`reproduce: ${job.name}: no run in ${relative(ROOT, job.outDir)}; its section is kept`);
      continue;
    }
    done.set(job.name, await section(job));
    await write();
    console.log(`reproduce: ${job.name}: section written to docs/results.md`);
  }
  if (names.includes(PREFLIGHT_COST)) {
    // after the examples: their sections (as just written, or as kept) record the sweeps' wall times
    const page = parseBlocks(existsSync(PAGE) ? readFileSync(PAGE, 'utf8') : '');
    const rows: CostRow[] = [];
    // a command trainer's sweep has no coord check (its model is the user's)
    for (const n of all) if (!byo.has(n)) rows.push(await preflightCost(n, page, commit));
    done.set(PREFLIGHT_COST, renderPreflightCost(rows, cpus().length));
    await write();
    console.log(`reproduce: ${PREFLIGHT_COST}: the coord check's cost written to docs/results.md`);
  }
  if (names.includes(INTERVALS)) {
    done.set(INTERVALS, measureIntervals());
    await write();
    console.log(`reproduce: ${INTERVALS}: coverage of the intervals measured and written to docs/results.md`);
  }
  return 0;
}

if (isEntryPoint(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (e: unknown) => {
    const input = e instanceof UsageError || e instanceof ConfigError || e instanceof AnalyzeFolderError || e instanceof PageError
      || (e instanceof TypeError && (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'));
    console.error(`reproduce: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(input ? 2 : 1);
  });
}
