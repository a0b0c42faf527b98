// Progress of an embedded sweep: a live bar on a terminal, one plain line per finished trial
// otherwise (CI logs, pipes), both with done/total, running, diverged, failed and an ETA.
import cliProgress from 'cli-progress';
import { describePoint } from '../../core/grid/grid.js';
import type { TrialRecord } from '../../core/outcome.js';
import { printable } from '../printable.js';

export interface ProgressStart {
  name: string;
  dir: string;
  total: number;
  /** finished in earlier runs */
  done: number;
  parallel: number;
  /** sizes of the packs the first trials run in (absent or all 1: unpacked) */
  packs?: number[];
}

export interface Progress {
  start(info: ProgressStart): void;
  /** adaptive searches add trials as they go */
  setTotal(total: number): void;
  trialStarted(): void;
  trialFinished(rec: TrialRecord): void;
  /** a line that must not be torn by the bar (warnings) */
  log(line: string): void;
  stop(): void;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

const num = (x: number | undefined) => (x === undefined || x === null ? '-' : Number(x).toPrecision(4));

/** Counters and the ETA estimate shared by both displays. */
class Tally {
  total = 0;
  done = 0;
  running = 0;
  diverged = 0;
  failed = 0;
  private doneAtStart = 0;
  private startedAt = Date.now();

  begin(info: ProgressStart): void {
    this.total = info.total;
    this.done = this.doneAtStart = info.done;
    this.startedAt = Date.now();
  }

  finish(rec: TrialRecord): void {
    this.done++;
    this.running = Math.max(0, this.running - 1);
    if (rec.outcome === 'diverged') this.diverged++;
    if (rec.outcome === 'failed') this.failed++;
  }

  /** remaining time from this run's throughput (earlier runs' trials took no time now) */
  etaMs(): number {
    const doneNow = this.done - this.doneAtStart;
    if (doneNow <= 0) return Number.NaN;
    return ((Date.now() - this.startedAt) / doneNow) * (this.total - this.done);
  }
}

function startLine(info: ProgressStart): string {
  const resumed = info.done ? `, ${info.done} already done` : '';
  return `sweep ${info.name}: ${info.total} trials${resumed}${packText(info.packs)}, ${info.parallel} worker${info.parallel === 1 ? '' : 's'}, output ${info.dir}`;
}

/** ", in 4 packs of 8 trials" (of 7–8 when they differ); nothing when no trial shares a pack. */
function packText(packs: number[] | undefined): string {
  if (!packs?.some((n) => n > 1)) return '';
  const lo = Math.min(...packs), hi = Math.max(...packs);
  return `, in ${packs.length} pack${packs.length === 1 ? '' : 's'} of ${lo === hi ? lo : `${lo}–${hi}`} trial${hi === 1 ? '' : 's'}`;
}

/** One line per finished trial. */
export class LineProgress implements Progress {
  private readonly t = new Tally();
  constructor(private readonly write: (line: string) => void = (l) => console.log(l)) {}

  start(info: ProgressStart): void {
    this.t.begin(info);
    this.write(startLine(info));
  }
  setTotal(total: number): void {
    this.t.total = total;
  }
  trialStarted(): void {
    this.t.running++;
  }
  trialFinished(rec: TrialRecord): void {
    this.t.finish(rec);
    const t = this.t;
    const w = String(t.total).length;
    const what = rec.outcome === 'failed' ? `error: ${printable(rec.error ?? 'unknown')}`
      : rec.outcome === 'diverged' ? `step ${rec.step}: ${printable(rec.error ?? `trainLoss ${num(rec.final.trainLoss)}`)}`
      : `step ${rec.step} trainLoss ${num(rec.final.trainLoss)}${rec.final.testLoss !== undefined ? ` testLoss ${num(rec.final.testLoss)}` : ''}`;
    this.write(
      `[${String(t.done).padStart(w)}/${t.total}] ${rec.id} ${rec.outcome} ${what} | ${describePoint(rec.axes)} | ` +
        `${formatDuration(rec.durationMs)}; running ${t.running}, diverged ${t.diverged}, failed ${t.failed}, eta ${formatDuration(t.etaMs())}`,
    );
  }
  log(line: string): void {
    this.write(line);
  }
  stop(): void {}
}

/** A live bar on a terminal (stderr), redrawn as trials start and finish. */
export class BarProgress implements Progress {
  private readonly t = new Tally();
  private readonly bar = new cliProgress.SingleBar(
    {
      format: '{name} [{bar}] {value}/{total} | running {running} | diverged {diverged} | failed {failed} | ETA {etaText}',
      hideCursor: true,
      stopOnComplete: false,
      clearOnComplete: false,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  private name = '';

  private payload() {
    return { name: this.name, running: this.t.running, diverged: this.t.diverged, failed: this.t.failed, etaText: formatDuration(this.t.etaMs()) };
  }

  start(info: ProgressStart): void {
    this.t.begin(info);
    this.name = info.name;
    process.stderr.write(`${startLine(info)}\n`);
    this.bar.start(info.total, info.done, this.payload());
  }
  setTotal(total: number): void {
    this.t.total = total;
    this.bar.setTotal(total);
  }
  trialStarted(): void {
    this.t.running++;
    this.bar.update(this.t.done, this.payload());
  }
  trialFinished(rec: TrialRecord): void {
    this.t.finish(rec);
    this.bar.update(this.t.done, this.payload());
  }
  log(line: string): void {
    this.bar.stop();
    process.stderr.write(`${line}\n`);
    this.bar.start(this.t.total, this.t.done, this.payload());
  }
  stop(): void {
    this.bar.stop();
  }
}

export function createProgress(tty = !!process.stderr.isTTY): Progress {
  return tty ? new BarProgress() : new LineProgress();
}
