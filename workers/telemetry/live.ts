// Latest loss and sharpness of running trials, one label set {sweep, trial} per trial. A
// trial's label sets are removed when it ends; a trial that stops reporting without an end
// (a lost pod) expires after `ttlMs`, and at most `maxTrials` trials are held (least recently
// updated dropped first), so the series count stays bounded.
import { Gauge, type Registry } from 'prom-client';
import { LIVE } from './names.js';

export interface LiveValues {
  step?: number;
  trainLoss?: number;
  testLoss?: number;
  sharpness?: number;
}

export interface LiveOptions {
  maxTrials: number;
  ttlMs: number;
  now?: () => number;
}

interface Entry {
  sweep: string;
  trial: string;
  updated: number;
}

const FIELDS = ['step', 'trainLoss', 'testLoss', 'sharpness'] as const;

export class LiveTrialGauges {
  private readonly gauges: Record<(typeof FIELDS)[number], Gauge<'sweep' | 'trial'>>;
  /** insertion order = least recently updated first */
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;

  constructor(registry: Registry, private readonly opts: LiveOptions) {
    this.now = opts.now ?? Date.now;
    const registers = [registry];
    const labelNames = ['sweep', 'trial'] as const;
    this.gauges = {
      step: new Gauge({ name: LIVE.step, help: 'Step of the latest evaluation point of a running trial.', labelNames, registers, collect: () => { this.expire(); } }),
      trainLoss: new Gauge({ name: LIVE.trainLoss, help: 'Latest training loss of a running trial.', labelNames, registers }),
      testLoss: new Gauge({ name: LIVE.testLoss, help: 'Latest test loss of a running trial.', labelNames, registers }),
      sharpness: new Gauge({ name: LIVE.sharpness, help: 'Latest top Hessian eigenvalue (sharpness) of a running trial.', labelNames, registers }),
    };
  }

  /** Records the latest values of a running trial; absent or non-finite values keep the last one. */
  set(sweep: string, trial: string, values: LiveValues): void {
    const key = `${sweep}\u0000${trial}`;
    this.entries.delete(key);
    this.entries.set(key, { sweep, trial, updated: this.now() });
    for (const f of FIELDS) {
      const v = values[f];
      if (typeof v === 'number' && Number.isFinite(v)) this.gauges[f].set({ sweep, trial }, v);
    }
    while (this.entries.size > this.opts.maxTrials) this.remove(this.entries.keys().next().value as string);
    this.expire();
  }

  /** The trial ended: its series disappear. */
  end(sweep: string, trial: string): void {
    this.remove(`${sweep}\u0000${trial}`);
  }

  dropSweep(sweep: string): void {
    for (const [key, e] of [...this.entries]) if (e.sweep === sweep) this.remove(key);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Removes trials that have not reported within the time to live. */
  expire(): void {
    const cutoff = this.now() - this.opts.ttlMs;
    for (const [key, e] of this.entries) {
      if (e.updated >= cutoff) break; // ordered by update time
      this.remove(key);
    }
  }

  private remove(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    for (const f of FIELDS) this.gauges[f].remove({ sweep: e.sweep, trial: e.trial });
  }
}
