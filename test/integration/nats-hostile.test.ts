// Hostile traffic on the real nats-server with JetStream: the honest messages of a small real
// sweep (trials run in this process, their messages recorded once) are published to a server
// twice, once alone and once among more than 10,000 random and malformed messages from
// fast-check generators (wrong ids, wrong subjects within sweep.>, 1 MB bodies, NaN strings,
// nested junk, truncated JSON, made-up trials, a flood to one subject). The honest trials'
// summaries and the sweep's gathered data must be byte for byte the same in both runs, and the
// aggregator's /metrics must count every dropped message under the reason it was sent for.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { jetstream, JetStreamApiError, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { resolveSpec } from '../../core/config/spec.js';
import { eventsSubject, isEvent, metricsSubject, type BusMessage, type MetricMessage } from '../../core/messages.js';
import { REJECT_REASONS, type RejectReason } from '../../core/message-schema.js';
import type { TrialPlan } from '../../core/search/strategy.js';
import { runTrial } from '../../core/train/run-trial.js';
import { connectNats } from '../../store/connect.js';
import { PlanStore, specObject } from '../../store/plans.js';
import { JetStreamPublisher } from '../../store/publisher.js';
import { collectSweep } from '../../store/sweep-data.js';
import { ensureStreams } from '../../store/streams.js';
import { readTrialSummaries } from '../../store/trial-summaries.js';
import { Aggregator } from '../../workers/aggregator.js';
import { createTelemetry } from '../../workers/telemetry/index.js';
import { startNats, type NatsServer } from '../servers/nats.js';
import { tinySpec } from './cluster-helpers.js';

const SWEEP = 'hostile-sweep';
/** another planned sweep: a `finished` for one of ours under its id is a made-up trial there */
const BYSTANDER = 'bystander-sweep';
/** a planned trial of our sweep that floods its own subject with new steps */
const NOISY = 'n0000000000000ff';
const SUMMARY_STEPS = 200;
const RANDOM_MESSAGES = 10_500;
const FLOOD = 1500;

const servers: NatsServer[] = [];
after(async () => {
  for (const s of servers) await s.stop();
});

const spec = tinySpec(SWEEP, {
  train: { steps: 20, batchSize: 16, evalEvery: 2, logEvalPoints: 0 },
  grid: { 'optimizer.lr': [0.05, 0.2, 1e6], seed: [0, 1] },
});
const resolved = resolveSpec(spec);
const plans: TrialPlan[] = resolved.plans;
const honestIds = plans.map((p) => p.id);

/** The honest trials' messages, in the order each trial emitted them (recorded once). */
async function recordHonest(): Promise<BusMessage[]> {
  const out: BusMessage[] = [];
  for (const p of plans) await runTrial(p.config, { sweepId: SWEEP, trialId: p.id, attempt: 1, emit: (m) => { out.push(m); } });
  return out;
}

async function storePlans(nc: NatsConnection): Promise<void> {
  const store = await PlanStore.open(nc);
  const noisy: TrialPlan = { ...plans[0], id: NOISY };
  for (const [sweep, list] of [[SWEEP, [...plans, noisy]], [BYSTANDER, [{ ...plans[0], id: 'b000000000000000' }]]] as const) {
    await store.putJson(specObject(sweep), spec);
    await store.putRound(sweep, { round: 0, count: list.length, pageSize: 100, done: true, name: sweep, execution: resolved.spec.execution } as never, [...list]);
  }
}

interface Hostile {
  subject: string;
  body: Uint8Array;
  /** why the aggregator must drop it; 'refused': the server refuses to store it; 'kept': aggregated */
  want: RejectReason | 'refused' | 'kept';
}

const enc = new TextEncoder();
const json = (v: unknown) => enc.encode(JSON.stringify(v));
const honestId = fc.constantFrom(...honestIds);
const wrongId = fc.stringMatching(/^[a-f0-9]{16}$/).filter((id) => !honestIds.includes(id) && id !== NOISY);
const step = fc.nat({ max: 20 });
const goodMetric = fc.record({ sweepId: fc.constant(SWEEP), trialId: honestId, step, trainLoss: fc.double({ noNaN: true, noDefaultInfinity: true }) });
/** anything JSON that is not a number or null: where a measurement belongs, it must be refused */
const notNumber = fc.oneof(fc.string(), fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e999'), fc.boolean(), fc.array(fc.nat()), fc.dictionary(fc.string(), fc.jsonValue()));

/** Generators of hostile messages, each tagged with the reason it must be dropped for. */
const hostile: fc.Arbitrary<Hostile> = fc.oneof(
  // the body's trial differs from its subject's (another honest trial, or a made-up one)
  fc.tuple(goodMetric, fc.oneof(honestId, wrongId)).filter(([m, t]) => m.trialId !== t)
    .map(([m, t]) => ({ subject: metricsSubject(SWEEP, t), body: json(m), want: 'id-mismatch' as const })),
  // a `finished` of an honest trial on the subject of another sweep, then under that sweep's id
  fc.tuple(honestId, fc.constantFrom(BYSTANDER, 'other-sweep')).map(([t, s]) => ({ subject: eventsSubject(s, t), body: json({ sweepId: SWEEP, trialId: t, event: 'finished', step: 20, final: { step: 20 } }), want: 'id-mismatch' as const })),
  honestId.map((t) => ({ subject: eventsSubject(BYSTANDER, t), body: json({ sweepId: BYSTANDER, trialId: t, event: 'finished', step: 20, final: { step: 20 } }), want: 'unknown-trial' as const })),
  // a well-formed message of a trial the sweep never planned
  fc.tuple(wrongId, step).map(([t, s]) => ({ subject: metricsSubject(SWEEP, t), body: json({ sweepId: SWEEP, trialId: t, step: s, trainLoss: 0 }), want: 'unknown-trial' as const })),
  wrongId.map((t) => ({ subject: eventsSubject(SWEEP, t), body: json({ sweepId: SWEEP, trialId: t, event: 'finished', step: 20, final: { step: 20 } }), want: 'unknown-trial' as const })),
  // the other stream's subject
  goodMetric.map((m) => ({ subject: eventsSubject(m.sweepId, m.trialId), body: json(m), want: 'bad-subject' as const })),
  // NaN strings, booleans, objects where numbers belong
  fc.tuple(goodMetric, notNumber, fc.constantFrom('trainLoss', 'testLoss', 'step', 'gradNorm'))
    .map(([m, v, k]) => ({ subject: metricsSubject(m.sweepId, m.trialId), body: json({ ...m, [k]: v }), want: 'bad-number' as const })),
  // unknown event names
  fc.tuple(honestId, fc.string({ minLength: 1 }).filter((e) => !['started', 'finished', 'diverged', 'failed', 'cancelled'].includes(e)))
    .map(([t, e]) => ({ subject: eventsSubject(SWEEP, t), body: json({ sweepId: SWEEP, trialId: t, event: e }), want: 'unknown-event' as const })),
  // wrong types elsewhere
  fc.tuple(honestId, fc.oneof(fc.nat(), fc.constantFrom('maybe', 'bound?'))).map(([t, d]) => ({ subject: eventsSubject(SWEEP, t), body: json({ sweepId: SWEEP, trialId: t, event: 'diverged', divergence: d }), want: 'bad-field' as const })),
  // nested junk: a flood of fields, or junk where the ids belong
  fc.tuple(goodMetric, fc.dictionary(fc.string(), fc.jsonValue(), { minKeys: 70, maxKeys: 90 }))
    .filter(([, d]) => Object.keys(d).length > 64)
    .map(([m, d]) => ({ subject: metricsSubject(m.sweepId, m.trialId), body: json({ ...m, nested: d }), want: 'too-many-fields' as const })),
  fc.tuple(goodMetric, fc.jsonValue().filter((v) => typeof v !== 'string')).map(([m, v]) => ({ subject: metricsSubject(m.sweepId, m.trialId), body: json({ ...m, trialId: v }), want: 'bad-id' as const })),
  // truncated JSON of an honest-looking message (every proper prefix of an object is not JSON)
  fc.tuple(goodMetric, fc.nat()).map(([m, cut]) => {
    const text = JSON.stringify(m);
    return { subject: metricsSubject(m.sweepId, m.trialId), body: enc.encode(text.slice(0, 1 + (cut % (text.length - 1)))), want: 'not-json' as const };
  }),
  fc.tuple(honestId, fc.oneof(fc.array(fc.jsonValue()), fc.string(), fc.integer())).map(([t, v]) => ({ subject: metricsSubject(SWEEP, t), body: json(v), want: 'not-object' as const })),
);

/** 1 MB bodies: the stream refuses them at publish time; they never reach the aggregator. */
const huge: Hostile[] = honestIds.slice(0, 3).map((t) => ({
  subject: metricsSubject(SWEEP, t), body: json({ sweepId: SWEEP, trialId: t, step: 0, trainLoss: 0, pad: 'x'.repeat(1_000_000) }), want: 'refused',
}));

/** The noisy trial floods its own subject with new steps: kept up to the cap, the rest dropped. */
const flood: Hostile[] = Array.from({ length: FLOOD }, (_, i) => ({
  subject: metricsSubject(SWEEP, NOISY), body: json({ sweepId: SWEEP, trialId: NOISY, step: i, trainLoss: 1 }), want: i < SUMMARY_STEPS ? 'kept' : 'too-many-steps',
}));

/** Publishes hostile messages without message ids (nothing is de-duplicated), 200 at a time. */
async function publishHostile(js: JetStreamClient, msgs: Hostile[]): Promise<{ refused: number; stored: number }> {
  let refused = 0;
  let stored = 0;
  for (let i = 0; i < msgs.length; i += 200) {
    await Promise.all(msgs.slice(i, i + 200).map(async (h) => {
      try {
        await js.publish(h.subject, h.body);
        stored++;
      } catch (err) {
        // the stream's max_msg_size (JSStreamMessageExceedsMaximumErr)
        assert.ok(err instanceof JetStreamApiError && err.code === 10054, `refused only for its size: ${String(err)}`);
        assert.equal(h.want, 'refused');
        refused++;
      }
    }));
  }
  return { refused, stored };
}

interface RunResult {
  summaries: string;
  data: string;
  rejected: Map<string, number>;
  logLines: string[];
}

/** A fresh server, plans, an aggregator with /metrics; honest messages (and `noise`) published while it runs. */
async function run(honest: BusMessage[], noise: Hostile[]): Promise<RunResult> {
  const nats = await startNats();
  servers.push(nats);
  const nc = await connectNats({ servers: [nats.url] });
  const telemetry = await createTelemetry({ service: 'aggregator', port: 0, processMetrics: false });
  let agg: Aggregator | undefined;
  const logLines: string[] = [];
  try {
    await ensureStreams(nc);
    await storePlans(nc);
    agg = await Aggregator.start({ nc, hooks: telemetry.hooks, maxSummarySteps: SUMMARY_STEPS, plans: { clockMarginMs: 250 }, log: (l) => logLines.push(l) });
    const pub = new JetStreamPublisher(nc);
    const js = jetstream(nc);
    // honest trials and the hostile traffic at the same time, the honest ones spread through it
    const honestDone = (async () => {
      for (let i = 0; i < honest.length; i++) {
        pub.publish(honest[i]);
        if (i % 10 === 0) await new Promise((r) => setTimeout(r, 5));
      }
      await pub.flush();
    })();
    const sent = await publishHostile(js, noise);
    await honestDone;
    assert.equal(sent.refused, noise.filter((h) => h.want === 'refused').length);
    await agg.drained(120_000);
    const summaries = (await readTrialSummaries(nc, SWEEP)).filter((s) => honestIds.includes(s.trialId));
    assert.equal(summaries.length, honestIds.length);
    const data = await collectSweep(nc, SWEEP, (s) => resolveSpec(s));
    const scrape = await (await fetch(`${telemetry.server!.url}`)).text();
    const rejected = new Map<string, number>();
    for (const [, labels, n] of scrape.matchAll(/^sweep_messages_rejected_total\{([^}]*)\} (\d+)$/gm)) {
      rejected.set(/reason="([a-z-]+)"/.exec(labels)![1], Number(n));
    }
    // the in-process count and the scrape agree
    for (const r of REJECT_REASONS) assert.equal(rejected.get(r) ?? 0, agg.stats.rejectedBy[r], r);
    const noisy = (await readTrialSummaries(nc, SWEEP)).find((s) => s.trialId === NOISY);
    if (noise.length) assert.equal(noisy?.metrics, SUMMARY_STEPS, 'the flooding trial keeps only the capped number of steps');
    return {
      summaries: JSON.stringify(summaries),
      data: JSON.stringify({ records: data.records, metrics: data.metrics.filter((m) => honestIds.includes(m.trialId)), unfinished: data.unfinished }),
      rejected,
      logLines,
    };
  } finally {
    await agg?.stop();
    await telemetry.close();
    await nc.close();
  }
}

test(`honest trials' summaries are unchanged by ${RANDOM_MESSAGES} hostile messages; every drop counted by reason`, { timeout: 300_000 }, async () => {
  const t0 = Date.now();
  const honest = await recordHonest();
  const outcomes = honest.filter(isEvent).map((e) => e.event).filter((e) => e !== 'started');
  assert.ok(outcomes.includes('finished') && outcomes.includes('diverged'), `a real sweep with finished and diverged trials: ${outcomes.join(', ')}`);
  const random = fc.sample(hostile, { numRuns: RANDOM_MESSAGES, seed: 16_005 });
  const noise = fc.sample(fc.shuffledSubarray([...random, ...huge, ...flood], { minLength: random.length + huge.length + flood.length }), { numRuns: 1, seed: 5 })[0];
  assert.ok(noise.length >= 10_000);

  const clean = await run(honest, []);
  assert.equal([...clean.rejected.values()].reduce((a, b) => a + b, 0), 0, 'no honest message is dropped');
  const attacked = await run(honest, noise);

  assert.equal(attacked.summaries, clean.summaries, 'honest trials\' summaries byte for byte');
  assert.equal(attacked.data, clean.data, 'the sweep\'s records and metrics byte for byte');
  const want = new Map<string, number>();
  for (const h of noise) if (h.want !== 'refused' && h.want !== 'kept') want.set(h.want, (want.get(h.want) ?? 0) + 1);
  assert.deepEqual(Object.fromEntries([...attacked.rejected].filter(([, n]) => n > 0).sort()), Object.fromEntries([...want].sort()));
  // logged at most once per reason per 10 s, never with the body
  assert.ok(attacked.logLines.length <= REJECT_REASONS.length * 13, `${attacked.logLines.length} log lines`);
  for (const l of attacked.logLines) assert.ok(l.length < 500 && !l.includes('xxxxxxxxxx'), l.slice(0, 300));
  console.log(`${noise.length} hostile messages (${huge.length} refused by the server): dropped by reason ${JSON.stringify(Object.fromEntries(attacked.rejected))} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  // a summary of what the honest trials did, to see the comparison is not of empty data
  const honestMetrics = honest.filter((m): m is MetricMessage => !isEvent(m)).length;
  assert.ok(JSON.parse(clean.data).metrics.length === honestMetrics, `${honestMetrics} honest evaluation points gathered`);
});

test('an honest message over the size limit fails its publish at once, naming the limit (no retries)', { timeout: 60_000 }, async () => {
  const nats = await startNats();
  servers.push(nats);
  const nc = await connectNats({ servers: [nats.url] });
  try {
    await ensureStreams(nc);
    const [t] = honestIds;
    for (const size of [300_000, 2_000_000]) { // over the stream's limit; over the server's max_payload
      const pub = new JetStreamPublisher(nc);
      pub.publish({ sweepId: SWEEP, trialId: t, event: 'finished', step: 1, error: 'e'.repeat(size) });
      await assert.rejects(pub.flush(), /bytes is more than a message may have \(262144\)/);
      assert.equal(pub.stats.retries, 0, `${size} bytes: not retried`);
    }
  } finally {
    await nc.close();
  }
});
