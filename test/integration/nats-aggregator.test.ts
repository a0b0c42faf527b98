// The trainer-side publisher and the aggregator on a real nats-server with JetStream: message
// ids make re-publishing harmless, the aggregator acknowledges only stored summaries (a killed
// aggregator's messages are redelivered and counted once), and a nats-server restart loses or
// duplicates nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { METRICS_STREAM, type BusMessage, type MetricMessage } from '../../core/messages.js';
import { connectNats } from '../../store/connect.js';
import { ensureStreams } from '../../store/streams.js';
import { JetStreamPublisher, streamMessageId } from '../../store/publisher.js';
import { readSweepMetrics } from '../../store/reader.js';
import { Aggregator } from '../../workers/aggregator.js';
import { readTrialSummaries } from '../../store/trial-summaries.js';
import { startNats, type NatsServer } from '../servers/nats.js';
import { killAllChildren, spawnChild } from '../servers/children.js';
import { waitFor } from './cluster-helpers.js';

const aggregatorEntry = fileURLToPath(new URL('../../workers/aggregator.js', import.meta.url));
let nats: NatsServer;
let nc: NatsConnection;

before(async () => {
  nats = await startNats();
  nc = await connectNats({ servers: [nats.url] });
  await ensureStreams(nc, { duplicateWindowMs: 10 * 60_000 });
});

after(async () => {
  await nc?.close().catch(() => undefined);
  await killAllChildren();
  await nats?.stop();
});

/** `trials` trials × `steps` evaluation points (steps 0..steps-1), then a finished event each. */
function messages(sweepId: string, trials: number, steps: number): BusMessage[] {
  const out: BusMessage[] = [];
  for (let s = 0; s < steps; s++) {
    for (let t = 0; t < trials; t++) out.push({ sweepId, trialId: `t${String(t).padStart(15, '0')}`, step: s, trainLoss: 1 / (1 + s + t) });
  }
  for (let t = 0; t < trials; t++) out.push({ sweepId, trialId: `t${String(t).padStart(15, '0')}`, event: 'finished', step: steps - 1, attempt: 1, final: { step: steps - 1 } });
  return out;
}

async function publishAll(msgs: BusMessage[]): Promise<JetStreamPublisher> {
  const pub = new JetStreamPublisher(nc);
  for (const m of msgs) pub.publish(m);
  await pub.flush();
  return pub;
}

test('the duplicate window is set explicitly and a re-published message is stored once', async () => {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(METRICS_STREAM);
  assert.equal(info.config.duplicate_window, 10 * 60_000 * 1_000_000);
  const msgs = messages('dedup', 3, 10);
  const first = await publishAll(msgs);
  assert.equal(first.stats.duplicates, 0);
  const again = await publishAll(msgs); // a retried trainer re-sends everything
  assert.equal(again.stats.duplicates, msgs.length);
  const stored = await readSweepMetrics(nc, 'dedup');
  assert.equal(stored.length, 30);
  // Same trial id in another sweep: a different message id, stored.
  assert.notEqual(streamMessageId({ ...(msgs[0] as MetricMessage), sweepId: 'other' }), streamMessageId(msgs[0]));
});

test('aggregator: summaries count every evaluation point once, also when messages are stored twice', { timeout: 120_000 }, async () => {
  const agg = await Aggregator.start({ nc, durable: 'agg-dup' });
  try {
    const msgs = messages('twice', 5, 40);
    await publishAll(msgs);
    // The same messages stored again under other ids (as after the duplicate window).
    const js = jetstream(nc);
    for (const m of msgs.slice(0, 100)) {
      await js.publish(`sweep.metrics.${m.sweepId}.${m.trialId}`, JSON.stringify(m), { msgID: `late-${streamMessageId(m)}` });
    }
    // A malformed message is dropped, not retried forever.
    await js.publish('sweep.metrics.twice.t000000000000000', 'not json');
    await agg.drained();
    const sums = await readTrialSummaries(nc, 'twice');
    assert.equal(sums.length, 5);
    for (const s of sums) {
      assert.equal(s.metrics, 40);
      assert.deepEqual(s.steps, Array.from({ length: 40 }, (_, i) => i));
      assert.equal(s.status, 'succeeded');
      assert.equal(s.latest?.step, 39);
    }
    assert.equal(agg.stats.rejected, 1);
  } finally {
    await agg.stop();
  }
});

test('aggregator process killed mid-ingest: redelivered messages are counted once', { timeout: 180_000 }, async () => {
  const msgs = messages('killed', 40, 250);
  await publishAll(msgs);
  const start = () => spawnChild(process.execPath, [aggregatorEntry, '--nats', nats.url, '--durable', 'agg-kill', '--ack-wait-ms', '2000']);
  const first = start();
  await waitFor('first summaries', async () => (await readTrialSummaries(nc, 'killed').catch(() => [])).some((s) => s.metrics > 0), 60_000, 50);
  first.proc.kill('SIGKILL');
  await first.exited;
  const partial = await readTrialSummaries(nc, 'killed');
  const second = start();
  const agg = await waitFor('all summaries complete', async () => {
    const sums = await readTrialSummaries(nc, 'killed');
    return sums.length === 40 && sums.every((s) => s.metrics === 250 && s.status === 'succeeded') ? sums : undefined;
  }, 120_000, 250);
  assert.ok(partial.reduce((a, s) => a + s.metrics, 0) < 10_000, 'the first aggregator was stopped part-way');
  for (const s of agg) assert.deepEqual(s.steps, Array.from({ length: 250 }, (_, i) => i));
  await second.kill('SIGTERM');
  const jsm = await jetstreamManager(nc);
  const ci = await jsm.consumers.info(METRICS_STREAM, 'agg-kill');
  assert.equal(ci.num_pending + ci.num_ack_pending, 0, 'everything acknowledged');
});

test('nats-server restart while publishing and aggregating: nothing lost, nothing twice', { timeout: 180_000 }, async () => {
  // A short ack wait: messages lost in transit during the restart come back quickly.
  const agg = await Aggregator.start({ nc, durable: 'agg-restart', ackWaitMs: 3000 });
  try {
    const msgs = messages('restart', 10, 300);
    const pub = new JetStreamPublisher(nc);
    const feeding = (async () => {
      for (let i = 0; i < msgs.length; i++) {
        pub.publish(msgs[i]);
        if (i % 200 === 0) await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    await nats.restart({ hard: true, downMs: 1000 });
    await feeding;
    await pub.flush();
    await agg.drained(120_000);
    const stored = await readSweepMetrics(nc, 'restart');
    assert.equal(stored.length, 3000, 'every evaluation point stored once');
    const sums = await readTrialSummaries(nc, 'restart');
    assert.equal(sums.length, 10);
    for (const s of sums) assert.equal(s.metrics, 300);
  } finally {
    await agg.stop();
  }
});
