// The scheduling loop shared by the embedded runner and the sweep workflow, as a pure state
// machine: it takes the search's planning rounds, hands their trials out up to a window of
// trials in flight, records their ends, says when the search should be asked again, and sees a
// search that stopped proposing trials before saying it was done. It does no I/O and holds no
// callbacks, so the workflow can replay it and carry its snapshot across continue-as-new.
//
// Trials of a round arrive in pages (the workflow reads them one at a time from the plan
// store; the embedded runner supplies a whole round as one page). Only the current page is
// held, and it is not part of the snapshot: a restored scheduler asks for it again.
import type { Outcome } from '../outcome.js';
import type { AnyTrialConfig } from '../config/command-trial.js';
import type { TrialPlan } from '../search/strategy.js';

/** One planning round of the search (the whole grid for grid/random searches). */
export interface RoundInfo {
  round: number;
  /** trials planned in this round */
  count: number;
  /** plans are handed to the scheduler in pages of this many */
  pageSize: number;
  /** the search will propose nothing after this round */
  done: boolean;
}

export type OutcomeCounts = Record<Outcome, number>;

/** What the scheduler learns of a trial's end. */
export interface TrialEnd {
  trialId: string;
  outcome: Outcome;
}

/** Everything the scheduler needs to go on elsewhere (plain JSON). */
export interface SchedulerSnapshot {
  /** the current round; absent before the search was first asked */
  round?: RoundInfo;
  /** index within the round of the next trial to hand out */
  next: number;
  /** trials planned in earlier rounds */
  plannedBefore: number;
  inFlight: string[];
  started: number;
  counts: OutcomeCounts;
  /** trials finished when the search was last asked for more */
  finishedAtAsk: number;
}

/** `P`: the plans handed out (the workflow's are built-in trials; the embedded runner's either kind). */
export class Scheduler<P extends TrialPlan<AnyTrialConfig> = TrialPlan> {
  private round: RoundInfo | undefined;
  private cursor: number;
  private plannedBefore: number;
  private readonly inFlight: Set<string>;
  private startedCount: number;
  private readonly outcomeCounts: OutcomeCounts;
  private finishedAtAsk: number;
  /** the round being asked for (between askRound and addRound) */
  private asking: number | undefined;
  private stuckRound = false;
  private page: { start: number; plans: readonly P[] } | undefined;

  constructor(snapshot?: SchedulerSnapshot) {
    this.round = snapshot?.round ? { ...snapshot.round } : undefined;
    this.cursor = snapshot?.next ?? 0;
    this.plannedBefore = snapshot?.plannedBefore ?? 0;
    this.inFlight = new Set(snapshot?.inFlight ?? []);
    this.startedCount = snapshot?.started ?? 0;
    this.outcomeCounts = { succeeded: 0, diverged: 0, failed: 0, cancelled: 0, ...snapshot?.counts };
    this.finishedAtAsk = snapshot?.finishedAtAsk ?? 0;
  }

  static restore(snapshot: SchedulerSnapshot): Scheduler {
    return new Scheduler(snapshot);
  }

  snapshot(): SchedulerSnapshot {
    return {
      ...(this.round ? { round: { ...this.round } } : {}),
      next: this.cursor,
      plannedBefore: this.plannedBefore,
      inFlight: [...this.inFlight],
      started: this.startedCount,
      counts: { ...this.outcomeCounts },
      finishedAtAsk: this.finishedAtAsk,
    };
  }

  /**
   * The search should be asked for more: nothing asked yet, or every trial of this round handed
   * out, the search not done, and something finished since the last ask (adaptive searches
   * decide on results) or nothing is left in flight.
   */
  get needsRound(): boolean {
    if (this.asking !== undefined) return false;
    if (!this.round) return true;
    return this.cursor >= this.round.count && !this.round.done
      && (this.finished > this.finishedAtAsk || this.inFlight.size === 0);
  }

  /**
   * Records that the search is being asked now (results that end from here on count towards the
   * next ask) and returns the number of the round to ask for.
   */
  askRound(): number {
    if (!this.needsRound) throw new Error('the scheduler does not need a round now');
    this.finishedAtAsk = this.finished;
    this.asking = this.round ? this.round.round + 1 : 0;
    return this.asking;
  }

  /**
   * The search's answer to askRound. A round that proposes nothing while nothing is in flight,
   * from a search that is not done, means the search cannot go on: the sweep ends (`stuck`).
   */
  addRound(info: RoundInfo): void {
    if (this.asking === undefined || info.round !== this.asking) {
      throw new Error(`round ${info.round} was not asked for (asking: ${this.asking ?? 'none'})`);
    }
    if (!(info.count >= 0) || !(info.pageSize >= 1)) throw new Error(`round ${info.round}: bad count ${info.count} or page size ${info.pageSize}`);
    this.asking = undefined;
    this.plannedBefore += this.round?.count ?? 0;
    this.stuckRound = info.count === 0 && this.inFlight.size === 0 && !info.done;
    this.round = { round: info.round, count: info.count, pageSize: info.pageSize, done: info.done || this.stuckRound };
    this.cursor = 0;
    this.page = undefined;
  }

  /** The page of the current round holding the next trial, when it is not held; else undefined. */
  get needsPage(): number | undefined {
    if (!this.round || this.cursor >= this.round.count || this.covers(this.page)) return undefined;
    return Math.floor(this.cursor / this.round.pageSize);
  }

  /** Hands over page `index` of the current round (only the last page may be short). */
  supply(index: number, plans: readonly P[]): void {
    if (!this.round) throw new Error('no round to supply a page of');
    const page = { start: index * this.round.pageSize, plans };
    if (this.cursor < this.round.count && !this.covers(page)) {
      throw new Error(`plan page ${index} of round ${this.round.round} does not hold trial ${this.cursor} (${plans.length} plans)`);
    }
    this.page = page;
  }

  /**
   * Hands out the next trials of the held page: as many as keep at most `window` trials in
   * flight, and at most `max` now. Each planned trial is handed out once.
   */
  next(window: number, max = Infinity): P[] {
    const page = this.page;
    if (!this.round || !page || !this.covers(page)) return [];
    const end = Math.min(this.round.count, page.start + page.plans.length);
    const n = Math.max(0, Math.min(window - this.inFlight.size, max, end - this.cursor));
    const out = page.plans.slice(this.cursor - page.start, this.cursor - page.start + n);
    for (const p of out) this.inFlight.add(p.id);
    this.cursor += out.length;
    this.startedCount += out.length;
    return out;
  }

  /** Records a trial's end; false when it is not in flight (a second report of the same end). */
  onDone(end: TrialEnd): boolean {
    if (!this.inFlight.delete(end.trialId)) return false;
    this.outcomeCounts[end.outcome]++;
    return true;
  }

  /** Nothing in flight, nothing left to hand out, and the search has nothing more. */
  get done(): boolean {
    return !!this.round?.done && this.cursor >= this.round.count && this.inFlight.size === 0 && this.asking === undefined;
  }

  /** Trials remain to be handed out, or the search may propose more. */
  get hasMore(): boolean {
    return !this.round || this.cursor < this.round.count || !this.round.done;
  }

  /** The last round proposed nothing with nothing in flight, though the search was not done. */
  get stuck(): boolean {
    return this.stuckRound;
  }

  /** index within the current round of the next trial to hand out */
  get position(): number {
    return this.cursor;
  }

  /** plans per page of the current round */
  get pageSize(): number {
    return this.round?.pageSize ?? 1;
  }

  /** trials of the current round not handed out yet */
  get unstarted(): number {
    return this.round ? this.round.count - this.cursor : 0;
  }

  get roundNumber(): number {
    return this.round?.round ?? 0;
  }

  get searchDone(): boolean {
    return this.round?.done ?? false;
  }

  get planned(): number {
    return this.plannedBefore + (this.round?.count ?? 0);
  }

  get started(): number {
    return this.startedCount;
  }

  get finished(): number {
    const c = this.outcomeCounts;
    return c.succeeded + c.diverged + c.failed + c.cancelled;
  }

  get counts(): OutcomeCounts {
    return { ...this.outcomeCounts };
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  isInFlight(trialId: string): boolean {
    return this.inFlight.has(trialId);
  }

  /** ids of the trials in flight, in the order they were handed out */
  get inFlightIds(): string[] {
    return [...this.inFlight];
  }

  private covers(page: { start: number; plans: readonly P[] } | undefined): boolean {
    return !!page && this.cursor >= page.start && this.cursor < page.start + page.plans.length;
  }
}
