// The two images, built here with buildah on a base image made from Debian's packages
// (test/servers/build-base-image.sh, build-images.sh), run: the worker image's CLI answers
// `--help` and validates the quickstart; the trainer image's trainer runs one trial against a
// nats-server on loopback and its events and metrics arrive on the streams. The trainer is built
// without its GPU backend (TF_NATIVE=none: wasm) unless SWEEP_TRAINER_TF_NATIVE=gpu, since the CUDA
// wheels are several GB. The example command-trainer image (docker/byo-trainer.Dockerfile: Python,
// the SDK, the JAX µP example) runs one trial from a protocol-v1 launch, reporting to JetStream.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NatsConnection } from '@nats-io/transport-node';
import { resolveSpec } from '../../core/config/spec.js';
import type { TrialLaunch } from '../../activities/executor.js';
import { connectNats } from '../../store/connect.js';
import { ensureStreams } from '../../store/streams.js';
import { readSweepMetrics, readTrialEvents } from '../../store/reader.js';
import { startNats, type NatsServer } from '../servers/nats.js';
import { tinySpec } from './cluster-helpers.js';
import { commandLaunchFile } from '../../activities/command-launch.js';
import { trialId as planTrialId } from '../../core/ids.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const servers = join(repo, 'test', 'servers');
let images: { worker: string; trainer: string; byo: string };
let nats: NatsServer;
let nc: NatsConnection;
let dir: string;

interface Run { code: number; stdout: string; stderr: string }

function run(cmd: string, args: string[], timeoutMs = 600_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 1 << 26, cwd: repo }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

/** `buildah run` of a fresh container of `image` (same storage and isolation as the build), removed after. */
async function inImage(image: string, volumes: string[], command: string[]): Promise<Run> {
  const script = `. "${servers}/images-env.sh"; c=$(bah from --pull=never --quiet "$1"); n=$2; shift 2; ` +
    'trap \'bah rm "$c" >/dev/null\' EXIT; vols=("${@:1:n}"); shift "$n"; bah run --isolation chroot --network host "${vols[@]}" "$c" "$@"';
  const vols = volumes.flatMap((v) => ['--volume', v]);
  return run('bash', ['-c', script, 'in-image', image, String(vols.length), ...vols, '--', ...command]);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sweep-images-'));
  chmodSync(dir, 0o755);
  const built = await run('bash', [join(servers, 'build-images.sh')], 90 * 60_000);
  assert.equal(built.code, 0, built.stderr.slice(-4000));
  const [worker, trainer, byo] = built.stdout.trim().split('\n').slice(-3);
  images = { worker, trainer, byo };
  nats = await startNats();
  nc = await connectNats({ servers: [nats.url] });
  await ensureStreams(nc);
}, { timeout: 90 * 60_000 });

after(async () => {
  await nc?.close().catch(() => undefined);
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('the worker image runs the sweep CLI: --help, and validate of the quickstart', { timeout: 300_000 }, async () => {
  const help = await inImage(images.worker, [], ['node', 'dist/workers/cli.js', '--help']);
  assert.equal(help.code, 0, help.stderr);
  for (const cmd of ['run', 'submit', 'report', 'dev']) assert.match(help.stdout, new RegExp(`^  ${cmd}\\b`, 'm'));
  const validate = await inImage(images.worker, [`${join(repo, 'examples')}:/examples:ro`], ['node', 'dist/workers/cli.js', 'validate', '/examples/quickstart.yaml']);
  assert.equal(validate.code, 0, validate.stderr);
  assert.match(validate.stdout, /^trials: 54 /m);
});

test('the trainer image runs one trial and publishes its metrics and events to NATS', { timeout: 600_000 }, async () => {
  const plan = resolveSpec(tinySpec('image-trial', { train: { steps: 20, batchSize: 16, evalEvery: 5, logEvalPoints: 0 } })).plans[0];
  const launch: TrialLaunch = { sweepId: 'img-trial', trialId: plan.id, attempt: 1, config: plan.config, nats: { servers: [nats.url] } };
  writeFileSync(join(dir, 'launch.json'), JSON.stringify(launch));
  chmodSync(join(dir, 'launch.json'), 0o644);
  const r = await inImage(images.trainer, [`${dir}:/etc/sweep:ro`], ['node', 'dist/workers/trainer.js', '/etc/sweep/launch.json']);
  assert.equal(r.code, 0, r.stderr.slice(-4000));
  const events = await readTrialEvents(nc, 'img-trial', plan.id);
  assert.deepEqual(events.map((e) => e.event), ['started', 'finished']);
  assert.equal(events[1].final?.step, 20);
  assert.deepEqual((await readSweepMetrics(nc, 'img-trial')).map((m) => m.step), [0, 5, 10, 15, 20]);
});

test('the example command-trainer image runs its JAX trainer from a protocol-v1 launch and reports to JetStream', { timeout: 600_000 }, async () => {
  const params = { parametrization: 'mup', width: 32, baseWidth: 32, depth: 3, lr: 0.1, seed: 0, steps: 20, batchSize: 16, evalEvery: 10,
    task: { inputDim: 8, trainSize: 256, testSize: 64, teacherWidth: 16, teacherDepth: 2, seed: 0 } };
  const config = { trainer: 'command' as const, params };
  const trialId = planTrialId(config);
  const launch = commandLaunchFile({ sweepId: 'img-byo', trialId, attempt: 1, config, nats: { servers: [nats.url] } });
  writeFileSync(join(dir, 'launch.json'), JSON.stringify(launch));
  chmodSync(join(dir, 'launch.json'), 0o644);
  const r = await inImage(images.byo, [`${dir}:/etc/sweep:ro`], ['env', 'SWEEP_LAUNCH=/etc/sweep/launch.json', 'SWEEP_PROTOCOL=1', 'python', '/app/train.py']);
  assert.equal(r.code, 0, r.stderr.slice(-4000));
  const events = await readTrialEvents(nc, 'img-byo', trialId);
  assert.deepEqual(events.map((e) => e.event), ['started', 'finished']);
  assert.equal(events[1].final?.step, 20);
  const steps = (await readSweepMetrics(nc, 'img-byo')).map((m) => m.step);
  assert.deepEqual(steps, [...steps].sort((a, b) => a - b));
  assert.equal(steps.at(-1), 20);
});
