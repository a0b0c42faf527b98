// Benchmark: messages per second through the trial protocol from the Python SDK (sdk/python),
// as a ratio to the built-in trainer's publisher (store/publisher.ts) in the same run:
//   - SDK → pipe: a Python trainer writing JSON lines on fd 3, read and parsed line by line
//     here as the embedded runner reads a command trainer;
//   - SDK → JetStream: the same trainer in cluster mode, every publish with its message id and
//     its acknowledgement awaited (nats-py), on the nats-server the reference uses;
//   - reference: JetStreamPublisher publishing the same messages from this process.
// Rounds interleave the three; the best round of each is reported. Python start-up and the
// NATS connect are outside the timed part (from the `started` event to the final one).
//
//   npm run bench:protocol    (or: node dist/bench/protocol-throughput.js [--messages N] [--rounds R])
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { connectNats } from '../store/connect.js';
import { ensureStreams } from '../store/streams.js';
import { JetStreamPublisher } from '../store/publisher.js';
import { eventsSubject, metricsSubject, type MetricMessage } from '../core/messages.js';
import { startNats } from '../test/servers/nats.js';
import { killAllChildren } from '../test/servers/children.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('--messages', 20_000);
const ROUNDS = arg('--rounds', 3);
const root = fileURLToPath(new URL('../../', import.meta.url));
const sender = join(root, 'bench', 'protocol', 'sdk_sender.py');

function venvPython(): string {
  const inst = spawnSync('bash', [join(root, 'test', 'servers', 'install-python-sdk.sh')], { encoding: 'utf8' });
  if (inst.status !== 0) throw new Error(`test/servers/install-python-sdk.sh failed: ${inst.stderr}`);
  return inst.stdout.trim();
}

const trialId = (round: number, kind: number) => (round * 16 + kind).toString(16).padStart(16, '0');

interface Rate { rate: number; messages: number }

/** Runs the SDK sender with the given report; resolves with the rate measured on this side (pipe)
 *  or reported by the sender (JetStream: the time until its last acknowledgement). */
function runSdk(python: string, dir: string, sweepId: string, id: string, report: object): Promise<Rate> {
  const launch = join(dir, `${id}.json`);
  writeFileSync(launch, JSON.stringify({ protocol: 1, sweepId, trialId: id, attempt: 1, params: {}, report }));
  const child = spawn(python, [sender, String(N)], {
    env: { ...process.env, SWEEP_LAUNCH: launch, SWEEP_PROTOCOL: '1' },
    stdio: ['ignore', 'pipe', 'inherit', 'pipe'],
  });
  let lines = 0;
  let first = 0;
  let last = 0;
  let bad = 0;
  const pipe = createInterface({ input: child.stdio[3] as Readable, crlfDelay: Infinity });
  pipe.on('line', (line) => {
    const m = JSON.parse(line) as { event?: string; step?: number };
    if (typeof m.step !== 'number') bad++;
    if (m.event === 'started') first = performance.now();
    lines++;
    last = performance.now();
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`sdk sender exited ${code}`));
      const own = JSON.parse(out) as { seconds: number; messages: number };
      if ((report as { mode: string }).mode === 'pipe') {
        if (lines !== N + 2 || bad) return reject(new Error(`pipe: ${lines} lines (${bad} malformed), expected ${N + 2}`));
        resolve({ rate: (lines - 1) / ((last - first) / 1000), messages: lines - 1 });
      } else {
        resolve({ rate: own.messages / own.seconds, messages: own.messages });
      }
    });
  });
}

async function main(): Promise<void> {
  const python = venvPython();
  const nats = await startNats();
  const dir = mkdtempSync(join(tmpdir(), 'sweep-bench-protocol-'));
  try {
    const nc = await connectNats({ servers: [nats.url] });
    await ensureStreams(nc);
    const sweepId = 'bench-protocol';
    const best = { pipe: 0, sdkJs: 0, builtin: 0 };
    console.log(`${N} metric messages per path and round, ${ROUNDS} rounds; nats-server (JetStream, file storage) on loopback`);
    for (let r = 0; r < ROUNDS; r++) {
      const pipe = await runSdk(python, dir, sweepId, trialId(r, 1), { mode: 'pipe', fd: 3 });
      const id = trialId(r, 2);
      const sdkJs = await runSdk(python, dir, sweepId, id, {
        mode: 'nats', servers: [nats.url], metricsSubject: metricsSubject(sweepId, id), eventsSubject: eventsSubject(sweepId, id),
      });
      const ref = trialId(r, 3);
      const msgs: MetricMessage[] = Array.from({ length: N }, (_, s) => ({
        sweepId, trialId: ref, step: s * 10, trainLoss: 1 / (1 + s), testLoss: 1.1 / (1 + s), gradNorm: 0.5,
      }));
      const pub = new JetStreamPublisher(nc);
      const t0 = performance.now();
      for (const m of msgs) pub.publish(m);
      await pub.flush();
      const builtin = N / ((performance.now() - t0) / 1000);
      console.log(`round ${r + 1}: SDK → pipe ${pipe.rate.toFixed(0)} msg/s, SDK → JetStream ${sdkJs.rate.toFixed(0)} msg/s, built-in publisher → JetStream ${builtin.toFixed(0)} msg/s`);
      best.pipe = Math.max(best.pipe, pipe.rate);
      best.sdkJs = Math.max(best.sdkJs, sdkJs.rate);
      best.builtin = Math.max(best.builtin, builtin);
    }
    console.log(`best of ${ROUNDS}:`);
    console.log(`  SDK → pipe (embedded):        ${best.pipe.toFixed(0)} msg/s, ratio to the built-in publisher ${(best.pipe / best.builtin).toFixed(2)}`);
    console.log(`  SDK → JetStream (cluster):    ${best.sdkJs.toFixed(0)} msg/s, ratio to the built-in publisher ${(best.sdkJs / best.builtin).toFixed(2)}`);
    console.log(`  built-in publisher → JetStream: ${best.builtin.toFixed(0)} msg/s`);
    await nc.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await nats.stop();
    await killAllChildren();
  }
}

main().then(() => process.exit(0), (err) => {
  console.error(`bench: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
