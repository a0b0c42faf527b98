// One attempt of a command trial as the runner sees it: every line the trainer sends is checked
// against the message schemas and against its launch, and the attempt's end (the last event,
// the exit code, a deadline) becomes the trial's result or a retry (docs/trainer-protocol.md,
// "What each fault becomes"). Pure: the embedded pool and the cluster executors feed it.
import { parseBusMessage } from '../message-schema.js';
import { isEvent, type BusMessage, type FinalMetrics, type MetricMessage, type TrialEvent } from '../messages.js';
import type { Divergence } from '../divergence.js';
import type { TrialResult } from '../outcome.js';
import { EXIT_INVALID_LAUNCH } from './launch.js';

/** A quoted line is cut to this many characters. */
export const QUOTE_CHARS = 200;

export const BACKEND = 'command';
/** What a command trial's learning rate means, unless its `started` event says (`lrConvention`). */
export const LR_CONVENTION = 'as the command trainer defines it (trainer.params)';

/** A line as quoted in an error: JSON string syntax (no raw control characters), cut short. */
export function quoteLine(line: string): string {
  const cut = line.length > QUOTE_CHARS ? `${line.slice(0, QUOTE_CHARS)}…` : line;
  return JSON.stringify(cut);
}

const TRAINER_EVENTS = new Set(['started', 'finished', 'diverged', 'failed']);

export interface AttemptExit {
  /** exit code, or null when a signal ended the process */
  code: number | null;
  signal: string | null;
  /** the attempt ran past the trainer's timeoutSeconds and was stopped */
  timedOut?: boolean;
  /** the program could not be started (not found, not executable): the spec's to fix, not retried */
  startError?: string;
  /** last lines of the trainer's stdout and stderr */
  tail: readonly string[];
  durationMs: number;
}

export interface AttemptEnd {
  result: TrialResult;
  /** a crash: another attempt may succeed */
  retryable: boolean;
}

export type Received = { message: BusMessage; violation?: undefined } | { message?: undefined; violation: string };

export class AttemptJudge {
  private started?: TrialEvent;
  private terminal?: TrialEvent;
  private violation?: string;
  private nonfinite?: number;
  private final: FinalMetrics = { step: 0 };

  constructor(readonly sweepId: string, readonly trialId: string, readonly attempt: number) {}

  /** The attempt's outcome is known (a final event, a non-finite loss, a bad message). */
  get decided(): boolean {
    return this.terminal !== undefined || this.violation !== undefined || this.nonfinite !== undefined;
  }

  /** What the metrics received so far say of the trial's end (the last finite loss, the lowest). */
  get lastFinal(): FinalMetrics {
    return { ...this.final };
  }

  /** The trainer broke the protocol: the attempt is over, whatever it does next. */
  get broken(): boolean {
    return this.violation !== undefined;
  }

  /** One line of the trainer's report channel (or one JetStream message's data). */
  receiveLine(line: string): Received {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      return this.refuse(`a line that is not JSON: ${quoteLine(line)}`);
    }
    return this.receive(raw, line);
  }

  /** A decoded message; `line` is what is quoted if it is refused. */
  receive(raw: unknown, line: string): Received {
    if (this.violation) return { violation: this.violation };
    const { message, problem } = parseBusMessage(raw);
    if (!message) return this.refuse(`a malformed message (${problem}): ${quoteLine(line)}`);
    if (message.sweepId !== this.sweepId || message.trialId !== this.trialId) {
      return this.refuse(`a message of another trial (${message.sweepId}/${message.trialId}, this is ${this.sweepId}/${this.trialId}): ${quoteLine(line)}`);
    }
    if (isEvent(message)) {
      if (!TRAINER_EVENTS.has(message.event)) return this.refuse(`event ${message.event}, which a trainer does not send: ${quoteLine(line)}`);
      if (message.event === 'started') this.started ??= message;
      else this.terminal ??= message;
    } else {
      this.track(message);
    }
    return { message };
  }

  /** Ends the attempt as failed: the trainer sent `violation` ("a line that ..."). */
  refuse(violation: string): Received {
    this.violation = `the trainer sent ${violation}`;
    return { violation: this.violation };
  }

  private track(m: MetricMessage): void {
    // the outcome was set by the final event; what follows it is stored but changes nothing
    if (this.terminal) return;
    // JSON carries a non-finite loss as null: the trial diverged there
    if (m.trainLoss === null) {
      this.nonfinite ??= m.step;
      return;
    }
    const f: FinalMetrics = { ...this.final, step: m.step, trainLoss: m.trainLoss };
    for (const k of ['testLoss', 'accuracy', 'sharpness', 'sharpnessScaled', 'gradNorm'] as const) {
      const v = m[k];
      if (typeof v === 'number') f[k] = v;
    }
    f.minTrainLoss = Math.min(this.final.minTrainLoss ?? Infinity, m.trainLoss);
    this.final = f;
  }

  /** The attempt's end, from what was received and how the process ended. */
  end(exit: AttemptExit): AttemptEnd {
    // the fields in the order every other result has them (core/outcome.ts)
    const result = (outcome: TrialResult['outcome'], step: number, final: FinalMetrics, extra: Pick<TrialResult, 'error' | 'divergence'>): TrialResult => ({
      trialId: this.trialId, outcome, step, ...extra, final,
      backend: this.started?.backend ?? BACKEND, lrConvention: this.started?.lrConvention ?? LR_CONVENTION, durationMs: exit.durationMs,
    });
    const tail = exit.tail.length ? `; last output: ${exit.tail.slice(-3).join(' | ')}` : '';
    const failed = (error: string, retryable = false): AttemptEnd => ({ result: result('failed', this.final.step, this.final, { error }), retryable });
    const diverged = (step: number, divergence: Divergence, final: FinalMetrics): AttemptEnd => ({
      result: result('diverged', step, final, { divergence }), retryable: false,
    });

    if (exit.startError !== undefined) return failed(`could not start the trainer: ${exit.startError}`);
    if (this.violation) return failed(this.violation);
    if (this.nonfinite !== undefined) return diverged(this.nonfinite, 'nonfinite', { ...this.final, step: this.nonfinite });
    const t = this.terminal;
    if (t?.event === 'diverged') {
      const step = t.step ?? t.final?.step ?? this.final.step;
      return diverged(step, t.divergence ?? 'nonfinite', { ...this.final, ...t.final, step });
    }
    if (t?.event === 'failed') return failed(`the trainer reported: ${t.error ?? 'failed (no error given)'}`);
    if (t?.event === 'finished') {
      const final = { ...this.final, ...t.final };
      return { result: result('succeeded', final.step, final, {}), retryable: false };
    }
    if (exit.timedOut) return failed(`the trainer reached no outcome within trainer.timeoutSeconds and was stopped${tail}`);
    if (exit.code === 0) return failed(`the trainer exited with code 0 without a final event (finished, diverged or failed)${tail}`);
    if (exit.code === EXIT_INVALID_LAUNCH) return failed(`the trainer found its launch invalid (exit code 2; not retried)${tail}`);
    const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
    return failed(`the trainer crashed (${how})${tail}`, true);
  }
}
