// Ways a training run ends early. They are results, not errors: runTrial turns them into the
// `diverged` and `cancelled` outcomes.
import type { Divergence } from '../stability.js';

export class Diverged extends Error {
  /** nonfinite: the loss is NaN or ±∞; bound: finite but above divergenceFactor × initial loss */
  readonly reason: Divergence;

  constructor(readonly step: number, readonly loss: number, readonly bound: number) {
    super(Number.isFinite(loss)
      ? `loss ${loss.toPrecision(4)} at step ${step} exceeds ${bound.toPrecision(4)} (divergenceFactor × initial loss)`
      : `loss is ${loss} at step ${step}`);
    this.name = 'Diverged';
    this.reason = Number.isFinite(loss) ? 'bound' : 'nonfinite';
  }
}

/** The loss above which a trial ends as diverged; divergenceFactor 0 turns the bound off. */
export function divergenceBound(divergenceFactor: number, initialLoss: number | null): number {
  if (divergenceFactor === 0 || initialLoss === null) return Infinity;
  return divergenceFactor * initialLoss;
}

export class Cancelled extends Error {
  constructor(readonly step: number) {
    super(`cancelled at step ${step}`);
    this.name = 'Cancelled';
  }
}

/** Hands control back to the event loop now and then, so an abort (or I/O) can get through. */
export class Cooperation {
  private last = performance.now();

  constructor(private readonly signal: AbortSignal | undefined, private readonly everyMs = 20) {}

  async check(step: number): Promise<void> {
    if (performance.now() - this.last >= this.everyMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.last = performance.now();
    }
    if (this.signal?.aborted) throw new Cancelled(step);
  }
}
