// Benchmark: metric messages ingested per second by the aggregator (durable pull consumer →
// per-trial summary in KV, acknowledged after the store), as a ratio to raw JetStream publishing
// of the same messages (with message ids, awaiting every acknowledgement) in the same run on
// the same nats-server. Two shapes: many trials with few points each, and few long trials.
//
//   npm run bench:aggregator-ingest    (or: node dist/bench/aggregator-ingest.js [--messages N])
import { jetstreamManager } from '@nats-io/jetstream';
import { connectNats } from '../store/connect.js';
import { ensureStreams } from '../store/streams.js';
import { JetStreamPublisher } from '../store/publisher.js';
import { METRICS_STREAM, type MetricMessage } from '../core/messages.js';
import { Aggregator } from '../workers/aggregator.js';
import { startNats } from '../test/servers/nats.js';
import { killAllChildren } from '../test/servers/children.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const M = arg('--messages', 20_000);

function metrics(sweepId: string, trials: number, perTrial: number): MetricMessage[] {
  const out: MetricMessage[] = [];
  for (let s = 0; s < perTrial; s++) {
    for (let t = 0; t < trials; t++) {
      out.push({ sweepId, trialId: `${t.toString(16).padStart(16, '0')}`, step: s * 10, trainLoss: 1 / (1 + s), testLoss: 1.1 / (1 + s), gradNorm: 0.5 });
    }
  }
  return out;
}

async function main(): Promise<void> {
  const nats = await startNats();
  try {
    const nc = await connectNats({ servers: [nats.url] });
    await ensureStreams(nc);
    const shapes = [
      { name: 'many short trials', trials: Math.round(M / 20), perTrial: 20 },
      { name: 'few long trials', trials: 20, perTrial: Math.round(M / 20) },
    ];
    // Warm-up (stream files, JIT).
    const warm = new JetStreamPublisher(nc);
    for (const m of metrics('warmup', 10, 50)) warm.publish(m);
    await warm.flush();
    const wagg = await Aggregator.start({ nc, durable: 'bench-warmup' });
    await wagg.drained();
    await wagg.stop();

    console.log(`${M} metric messages per shape, one nats-server (JetStream, file storage) on loopback`);
    const jsm = await jetstreamManager(nc);
    for (const [i, shape] of shapes.entries()) {
      await jsm.streams.purge(METRICS_STREAM); // each shape on an empty stream
      const msgs = metrics(`bench${i}`, shape.trials, shape.perTrial);
      const pub = new JetStreamPublisher(nc);
      const t0 = performance.now();
      for (const m of msgs) pub.publish(m);
      await pub.flush();
      const publishRate = msgs.length / ((performance.now() - t0) / 1000);

      // The aggregator starts on the stored backlog: its own ingest rate, not the publisher's.
      const agg = await Aggregator.start({ nc, durable: `bench-${i}` });
      const t1 = performance.now();
      await agg.drained(600_000);
      const before = agg.stats.metrics;
      const ingestRate = before / ((performance.now() - t1) / 1000);
      await agg.stop();
      console.log(`${shape.name} (${shape.trials} trials × ${shape.perTrial} points):`);
      console.log(`  raw JetStream publish: ${publishRate.toFixed(0)} msg/s`);
      console.log(`  aggregator ingest:     ${ingestRate.toFixed(0)} msg/s (${before} messages, ${agg.stats.conflicts} CAS retries)`);
      console.log(`  ratio ingest / publish: ${(ingestRate / publishRate).toFixed(2)}`);
    }
    await nc.close();
  } finally {
    await nats.stop();
    await killAllChildren();
  }
}

main().then(() => process.exit(0), (err) => {
  console.error(`bench: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
