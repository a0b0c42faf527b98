// The measured side of bench/train-vs-jax: the product's own training step (core/train/trainer.ts)
// and sharpness estimate (core/measure/sharpness.ts) for the benchmark model, timed in this
// process. Settings as JSON in argv[2]; prints one JSON line.
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../core/backend/backend.js';
import { trialConfigSchema } from '../../core/config/trial.js';
import { lossCurvature, lossGrad } from '../../core/model/loss.js';
import { SharpnessEstimator } from '../../core/measure/sharpness.js';
import { toDevice, disposeBatch } from '../../core/measure/probe.js';
import { Trainer } from '../../core/train/trainer.js';
import { attachCompiled, prepareCompiled } from '../../core/train/compiled.js';
import { Rng } from '../../core/rng.js';
import type { Dataset } from '../../core/tasks/task.js';

export interface BenchSettings {
  backend: 'wasm' | 'cpu' | 'tfjs-node' | 'tfjs-node-gpu';
  threads: number;
  inputDim: number;
  width: number;
  depth: number;
  batch: number;
  probe: number;
  lr: number;
  warmup: number;
  steps: number;
  rounds: number;
  sharpnessIterations: number;
  /** the native backend's step: eager ops, or the step as one TensorFlow graph (backend.step) */
  step?: 'eager' | 'compiled';
  /** > 0: also time K steps per call on K different batches (Trainer.steps), as a trial runs them */
  perCall?: number;
}

function randomSet(n: number, d: number, seed: number): Dataset {
  const rng = new Rng(seed, 'bench');
  return {
    n, inputDim: d, outputDim: 1,
    x: rng.fillNormal(new Float32Array(n * d)) as Float32Array,
    y: rng.fillNormal(new Float32Array(n)) as Float32Array,
  };
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Best wall-clock and best CPU time per call over `rounds` runs of `reps` calls. */
function bestMs(fn: () => void, reps: number, rounds: number): [number, number] {
  let wall = Infinity, cpu = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t = performance.now(), c = cpuMs();
    for (let i = 0; i < reps; i++) fn();
    wall = Math.min(wall, (performance.now() - t) / reps);
    cpu = Math.min(cpu, (cpuMs() - c) / reps);
  }
  return [wall, cpu];
}

async function main(): Promise<void> {
  const s = JSON.parse(process.argv[2]) as BenchSettings;
  let backend = await initBackend({ name: s.backend, threads: s.threads });
  const config = trialConfigSchema.parse({
    task: { kind: 'teacher-mlp', inputDim: s.inputDim },
    model: { width: s.width, depth: s.depth, parametrization: 'mup', activation: 'relu' },
    optimizer: { kind: 'sgd', lr: s.lr },
    measure: { sharpness: { iterations: s.sharpnessIterations, batchSize: s.probe, tol: 1e-12 } },
    backend: { name: s.backend, threads: s.threads, step: s.step ?? 'eager' },
  });
  const trainer = new Trainer(config, s.inputDim, 1);
  if (s.step === 'compiled') {
    await prepareCompiled(config);
    await attachCompiled(trainer);
    backend += '; compiled step';
  }
  const batch = randomSet(s.batch, s.inputDim, 1);
  for (let i = 0; i < s.warmup; i++) trainer.step(batch);
  const [msPerStep, cpuMsPerStep] = bestMs(() => trainer.step(batch), s.steps, s.rounds);
  let inCall: { msPerStepInCall: number; cpuMsPerStepInCall: number } | undefined;
  const K = s.perCall ?? 0;
  if (K > 0 && s.step === 'compiled') {
    // K distinct batches, so the stacking copy a trial pays is in the time
    const batches = Array.from({ length: K }, (_, k) => randomSet(s.batch, s.inputDim, 100 + k));
    trainer.steps(batches);
    const [wall, cpu] = bestMs(() => trainer.steps(batches), Math.max(2, Math.floor(s.steps / K)), s.rounds);
    inCall = { msPerStepInCall: wall / K, cpuMsPerStepInCall: cpu / K };
  }

  // one Hessian-vector product on the probe batch (the base pass shared by all iterations excluded)
  const probe = toDevice(randomSet(s.probe, s.inputDim, 2));
  const { mlp } = trainer;
  // kept for the whole measurement (this process ends right after), like the trainer's base pass
  const fw = mlp.forward(trainer.params, probe.x);
  const bw = mlp.backward(trainer.params, fw, lossGrad('mse', fw.hs[fw.hs.length - 1], probe.y));
  const H = mlp.hvpOperator(trainer.params, fw, bw, (rf) => lossCurvature('mse', rf, null));
  const v = trainer.params.map((p) => tf.onesLike(p));
  const hvpOnce = () => {
    const out = tf.tidy(() => H.apply(v));
    out[0].dataSync();
    out.forEach((t) => t.dispose());
  };
  hvpOnce();
  const [msPerHvp, cpuMsPerHvp] = bestMs(hvpOnce, Math.max(5, Math.floor(s.steps / 10)), s.rounds);

  // one full sharpness estimate as the trainer makes it (cold start, every iteration run)
  let msPerSharpness = Infinity, cpuMsPerSharpness = Infinity;
  let hvps = 0;
  for (let r = 0; r < s.rounds; r++) {
    const est = new SharpnessEstimator(mlp, 'mse', config.measure.sharpness!, 7);
    const t = performance.now(), c = cpuMs();
    const value = est.measure(trainer.params, probe, trainer.optimizer.preconditioner());
    msPerSharpness = Math.min(msPerSharpness, performance.now() - t);
    cpuMsPerSharpness = Math.min(cpuMsPerSharpness, cpuMs() - c);
    hvps = value.hvps;
    est.dispose();
  }
  disposeBatch(probe);
  console.log(JSON.stringify({ backend, msPerStep, cpuMsPerStep, ...inCall, msPerHvp, cpuMsPerHvp, msPerSharpness, cpuMsPerSharpness, sharpnessHvps: hvps }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
