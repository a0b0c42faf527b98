// The outcome of a command trial's attempt that exited 0 in cluster mode: its messages on the
// bus, judged by the same AttemptJudge as the embedded runner's lines (a null trainLoss is a
// divergence, no final event is a failure, a message failing the schema fails the trial with
// it quoted). When the judgement is not what the trainer's own terminal event says, the
// judged terminal event is stored, so every reader of SWEEP_EVENTS sees the same outcome.
import type { NatsConnection } from '@nats-io/transport-node';
import { AttemptJudge } from '../core/protocol/attempt.js';
import { OUTCOME_EVENT, type TrialResult } from '../core/outcome.js';
import type { TrialEvent } from '../core/messages.js';
import { readTrialEvents, readTrialMetrics } from '../store/reader.js';
import { resultFromEvents } from '../store/trial-result.js';
import { JetStreamPublisher } from '../store/publisher.js';

export async function judgeCommandAttempt(
  nc: NatsConnection, who: { sweepId: string; trialId: string; attempt: number }, durationMs: number,
): Promise<TrialResult> {
  const [metrics, events] = await Promise.all([readTrialMetrics(nc, who.sweepId, who.trialId), readTrialEvents(nc, who.sweepId, who.trialId)]);
  const judge = new AttemptJudge(who.sweepId, who.trialId, who.attempt);
  // Metrics carry no attempt; a retried attempt's repeated steps were dropped as duplicates.
  for (const m of metrics) judge.receive(m, JSON.stringify(m));
  const mine = events.filter((e) => (e.attempt ?? who.attempt) === who.attempt);
  for (const e of mine) judge.receive(e, JSON.stringify(e));
  const { result } = judge.end({ code: 0, signal: null, tail: [], durationMs });
  const stored = resultFromEvents(who.trialId, mine);
  if (!stored || stored.outcome !== result.outcome || stored.step !== result.step) {
    const pub = new JetStreamPublisher(nc, { giveUpAfterMs: 50_000 });
    const event: TrialEvent = {
      sweepId: who.sweepId, trialId: who.trialId, event: OUTCOME_EVENT[result.outcome], step: result.step, attempt: who.attempt,
      final: result.final, backend: result.backend, lrConvention: result.lrConvention, durationMs: result.durationMs,
      ...(result.error !== undefined ? { error: result.error } : {}), ...(result.divergence ? { divergence: result.divergence } : {}),
      time: new Date().toISOString(),
    };
    pub.publish(event);
    await pub.flush();
  }
  return result;
}
