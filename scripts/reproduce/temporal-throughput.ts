// The "Throughput: 10,000 trials on Temporal" block of docs/results.md, rendered from the JSON
// line `npm run bench:temporal-10k` prints last, with the machine it ran on; `npm run
// reproduce` keeps the block as it is (it runs no benchmark).
import { beginMarker, endMarker } from './section.js';

export const TEMPORAL_THROUGHPUT = 'temporal-throughput';

export function temporalThroughputPlaceholder(): string {
  return [beginMarker(TEMPORAL_THROUGHPUT), '## Throughput: 10,000 trials on Temporal', '',
    'Not measured yet: run `npm run bench:temporal-10k > out.log`, then `node dist/scripts/reproduce/temporal-throughput-page.js out.log`.',
    endMarker(TEMPORAL_THROUGHPUT)].join('\n');
}

interface Check { distinct: number; missing: number; duplicated: number; unplanned: number; rerun: number; ok: boolean }
interface SweepRun {
  finished: number; seconds: number; rate: number; totalRate: number; runs: number; history: number[]; check: Check;
  cpuPerTrialMs: Record<string, number>;
}
/** What the bench's JSON line holds (bench/temporal-10k.ts). */
export interface TemporalBenchResult {
  N: number; P: number; BARE: number; EAGER: boolean; load0: number[]; load1: number[];
  clean: SweepRun & { rss?: { startMb: number; peakMb: number; endMb: number; slopeMbPerMin: number; secondHalfDriftMb: number; flat: boolean } };
  bareBefore: number; bareAfter: number; bareCpu: Record<string, number>; ratio: number;
  kill?: SweepRun & { killedAt: number; restartS: number };
}

export interface Machine { cpu: string; simd: string; cpus: number; commit: string }

const f = (x: number, d = 1) => x.toFixed(d);
const minutes = (s: number) => `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
const hist = (h: number[]) => {
  const s = [...h].sort((a, b) => a - b);
  return `${h.length} runs of ${s[0]}–${s[s.length - 1]} events (median ${s[s.length >> 1]})`;
};
const once = (c: Check) =>
  `${c.distinct.toLocaleString('en-US')} distinct trial ids with one terminal event each, ${c.duplicated} twice, ${c.missing} missing, ${c.unplanned} unplanned${c.ok ? '' : ' — **not exactly once**'}`;
const cpu = (c: Record<string, number>) => `worker ${f(c.worker)}, Temporal server ${f(c.temporal)}, nats-server ${f(c.nats)}, bench process ${f(c.bench)}`;

/** The block (pure: the tests render fixtures); `notes` are said under the table. */
export function renderTemporalThroughput(r: TemporalBenchResult, m: Machine, notes: readonly string[] = []): string {
  const c = r.clean;
  const lines = [
    beginMarker(TEMPORAL_THROUGHPUT),
    '## Throughput: 10,000 trials on Temporal',
    '',
    `\`npm run bench:temporal-10k\` (bench/temporal-10k.ts): the Temporal dev server (temporal CLI v1.5.1, state in memory, eager activity dispatch ${r.EAGER ? 'on' : 'off'}) and nats-server with JetStream on loopback, the orchestrator worker as its own process, ${r.P} trials in flight, each trial 1 step of a width-4 MLP run inside the worker (the numbers measure orchestration, not training). ${m.cpu} (${m.simd}), ${m.cpus} CPUs shared with other work: load average ${f(r.load0[0], 1)} at the start, ${f(r.load1[0], 1)} at the end; code at commit \`${m.commit}\`.`,
    '',
    '| | measured |',
    '|---|---|',
    `| sweep of ${r.N.toLocaleString('en-US')} trials | ${c.finished.toLocaleString('en-US')} finished in ${minutes(c.seconds)}: **${f(c.rate)} trials/s** (${f(c.totalRate)} with planning and the final analysis) |`,
    `| each trial exactly once (terminal events in SWEEP_EVENTS, raw) | ${once(c.check)} |`,
    `| workflow runs (continue-as-new) | ${hist(c.history)} |`,
  ];
  if (c.rss) lines.push(`| worker RSS | start ${f(c.rss.startMb, 0)} MB, peak ${f(c.rss.peakMb, 0)} MB, end ${f(c.rss.endMb, 0)} MB; second half ${f(c.rss.slopeMbPerMin, 2)} MB/min (${f(c.rss.secondHalfDriftMb)} MB over it): ${c.rss.flat ? 'flat' : '**not flat**'} (flat: under 5% of the peak) |`);
  lines.push(
    `| bare activities running the same trial (one workflow, same parallelism), before / after | ${f(r.bareBefore)} / ${f(r.bareAfter)} trials/s (${r.BARE.toLocaleString('en-US')} each) |`,
    `| **dispatch ratio** sweep / bare activities | **${f(r.ratio, 2)}** |`,
    `| CPU ms per trial, sweep | ${cpu(c.cpuPerTrialMs)} |`,
    `| CPU ms per trial, bare activities (run by the bench process) | ${cpu(r.bareCpu)} |`,
  );
  if (r.kill) {
    const k = r.kill;
    lines.push(
      `| sweep with the worker killed (SIGKILL) at ${k.killedAt.toLocaleString('en-US')} finished trials, restarted | ${k.finished.toLocaleString('en-US')} finished in ${minutes(k.seconds)} (${f(k.rate)} trials/s); worker back in ${f(k.restartS)} s; ${hist(k.history)} |`,
      `| each trial exactly once after the kill | ${once(k.check)}; ${k.check.rerun} trials' outcome came from a retried attempt |`,
    );
  }
  for (const n of notes) lines.push('', n);
  lines.push('', endMarker(TEMPORAL_THROUGHPUT));
  return lines.join('\n');
}

/** `page` with the block replaced, or appended when it has none. */
export function withTemporalThroughput(page: string, block: string): string {
  const re = new RegExp(`${beginMarker(TEMPORAL_THROUGHPUT)}[\\s\\S]*?${endMarker(TEMPORAL_THROUGHPUT).replace('/', '\\/')}`);
  return re.test(page) ? page.replace(re, () => block) : `${page.trimEnd()}\n\n${block}\n`;
}
