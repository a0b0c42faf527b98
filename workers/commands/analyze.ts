// `sweep analyze DIR`: recompute summary.json and report.html of an output folder (also of a
// sweep stopped part-way; the summary says what is missing). A folder a run is writing is
// refused: the analysis takes the folder's lock like every writer.
import type { Command } from 'commander';
import { AnalyzeFolderError, analyzeFolder } from '../../core/analysis/folder.js';
import { OutputFolderError } from '../../core/output/folder.js';
import { describeHolder, exitOnInterrupt } from '../../core/output/lock.js';
import { UsageError } from '../usage-error.js';
import type { Summary } from '../../core/analysis/summary.js';
import { describeGroup } from '../../core/analysis/groups.js';

const f = (v: number | null | undefined, d = 3) => (v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : Number(v.toPrecision(d)).toString());
const ci = (c: [number, number] | null) => (c ? ` [${f(c[0])}, ${f(c[1])}]` : '');

/** The few lines a user wants to see after an analysis. */
export function describeSummary(s: Summary): string[] {
  const t = s.trials;
  const lines = [`trials: ${t.total} (${t.succeeded} succeeded, ${t.diverged} diverged, ${t.failed} failed, ${t.cancelled} cancelled)`];
  for (const l of s.lrTransfer) lines.push(`lr transfer [${describeGroup(l.group)}]: slope ${f(l.slope)}${ci(l.ci)}, gap ${l.transferGap === null ? 'n/a' : `${f(100 * l.transferGap)}%`}: ${l.verdict}`);
  for (const x of s.scalingLaws) lines.push(`scaling law in ${x.axis} [${describeGroup(x.group)}]: α ${f(x.exponent)}${ci(x.ci)}${x.prediction ? ` (P1: lazy ${f(x.prediction.lazy)}, rich ${f(x.prediction.rich)})` : ''}`);
  for (const x of s.sharpness) lines.push(`sharpness [${describeGroup(x.group)}]: mean spread Δ ${f(x.consistency)}, widest final η·λmax ${f(x.edgeOfStability.widestFinal)}`);
  for (const p of s.phaseDiagram) lines.push(`phase diagram [${describeGroup(p.group)}]: η* slope small γ0 ${f(p.slopes.etaStar.small.slope)} (exp. 2), large γ0 ${f(p.slopes.etaStar.large.slope)} (exp. ${f(p.slopes.etaStar.large.expected)})`);
  for (const x of s.forgetting) lines.push(`forgetting [${describeGroup(x.group)}]: AF = a·N^(−b), b = ${f(x.exponent)}${ci(x.ci)}`);
  for (const a of s.alignment) lines.push(`alignment [${describeGroup(a.group)}]: ${a.curves.length} input dims, collapse spread across d ${f(a.collapseSpreadUpdate)} (update overlap), ${f(a.collapseSpread)} (max overlap)`);
  for (const m of s.missing) lines.push(`missing: ${m}`);
  if (s.notes.length) lines.push(`${s.notes.length} note(s) in summary.json`);
  return lines;
}

export function register(program: Command): void {
  program
    .command('analyze')
    .description('recompute summary.json and report.html of a sweep output folder from its trials.jsonl and metrics.jsonl')
    .argument('<dir>', 'output folder of a sweep')
    .option('--no-report', 'write summary.json only')
    .action(async (dir: string, opts: { report: boolean }) => {
      // Ctrl-C exits through process.exit, which releases the folder's lock
      const undo = exitOnInterrupt();
      let res;
      try {
        res = await analyzeFolder(dir, { noReport: !opts.report });
      } catch (err) {
        // a missing or foreign folder, or one a run is writing: bad input, nothing was changed
        if (err instanceof AnalyzeFolderError || err instanceof OutputFolderError) throw new UsageError(err.message);
        throw err;
      } finally {
        undo();
      }
      if (res.tookOver) console.error(`sweep: note: took over ${dir} from ${describeHolder(res.tookOver)}, which is no longer running`);
      for (const line of describeSummary(res.summary)) console.log(line);
      console.log(`wrote ${res.summaryPath}${res.reportPath ? ` and ${res.reportPath}` : ''}`);
    });
}
