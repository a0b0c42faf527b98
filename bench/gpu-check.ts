// Device check for GPU nodes: one command, no network, a few minutes. When an NVIDIA GPU is
// present it runs a short trial (with a sharpness estimate) on the tfjs-node-gpu build
// (scripts/install-tfjs-native.sh --gpu; the trainer image has it) and the trainer benchmark's
// step (bench/train-vs-jax/tfjs-step.ts), eager and compiled, on it, and says whether TensorFlow used the GPU. When
// there is none it says so plainly and exits 0.
//
//   npm run bench:gpu-check
// Exit codes: 0 checked on a GPU, or no GPU present; 1 a GPU is present but the trial failed or
// TensorFlow ran on the CPU; 2 a GPU is present but the GPU build is not installed.
import { existsSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runTrial } from '../core/train/run-trial.js';
import { trialConfigSchema } from '../core/config/trial.js';
import { installCommand, nativeInstalled, nativePackageDir } from '../core/backend/native-location.js';
import type { BenchSettings } from './train-vs-jax/tfjs-step.js';

/** GPUs the NVIDIA driver exposes: nvidia-smi's list when it runs, else the /dev/nvidiaN nodes. */
function gpus(): string[] {
  const smi = spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8' });
  if (smi.status === 0) return smi.stdout.split('\n').filter((l) => l.startsWith('GPU '));
  if (!existsSync('/dev')) return [];
  return readdirSync('/dev').filter((n) => /^nvidia\d+$/.test(n)).map((n) => `/dev/${n}`);
}

async function main(): Promise<number> {
  const found = gpus();
  if (found.length === 0) {
    console.log('gpu-check: no GPU on this machine (nvidia-smi lists none and there is no /dev/nvidia* device); nothing was run on a GPU');
    return 0;
  }
  console.log(`gpu-check: ${found.length} GPU(s): ${found.join('; ')}`);
  if (!nativeInstalled('gpu')) {
    console.error(`gpu-check: the tfjs-node-gpu build is not installed (${nativePackageDir('gpu')}); run ${installCommand('gpu')}`);
    return 2;
  }
  const config = trialConfigSchema.parse({
    task: { kind: 'teacher-mlp', inputDim: 64, trainSize: 2048, testSize: 512 },
    model: { width: 512, depth: 3, parametrization: 'mup', activation: 'tanh' },
    optimizer: { kind: 'sgd', lr: 0.1 },
    train: { steps: 200, batchSize: 128, evalEvery: 50, logEvalPoints: 0 },
    measure: { sharpness: { every: 100, iterations: 20 } },
    backend: { name: 'tfjs-node-gpu' },
  });
  const losses: number[] = [];
  const result = await runTrial(config, {
    sweepId: 'gpu-check', trialId: 'gpu-check', emit: (m) => { if ('trainLoss' in m) losses.push(m.trainLoss); },
  });
  console.log(`gpu-check: trial ${result.outcome} on ${result.backend} in ${(result.durationMs / 1000).toFixed(1)} s; train loss ${losses[0]?.toPrecision(4)} → ${losses[losses.length - 1]?.toPrecision(4)}`);
  if (result.outcome !== 'succeeded') {
    console.error(`gpu-check: the trial did not succeed: ${result.error ?? result.outcome}`);
    return 1;
  }
  if (!/\bGPU\b/.test(result.backend)) {
    console.error('gpu-check: TensorFlow ran on the CPU although a GPU is present (check the driver, CUDA libraries and LD_LIBRARY_PATH)');
    return 1;
  }
  const settings: BenchSettings = {
    backend: 'tfjs-node-gpu', threads: 0, inputDim: 64, width: 512, depth: 3, batch: 128,
    probe: 512, lr: 0.05, warmup: 20, steps: 100, rounds: 3, sharpnessIterations: 20,
  };
  // the eager step and the compiled one (backend.step: compiled, one TensorFlow graph per step)
  for (const mode of ['eager', 'compiled'] as const) {
    const step = spawnSync(process.execPath, [fileURLToPath(new URL('./train-vs-jax/tfjs-step.js', import.meta.url)), JSON.stringify({ ...settings, step: mode })], { encoding: 'utf8' });
    if (step.status !== 0) {
      console.error(`gpu-check: the trainer benchmark (${mode} step) failed: ${step.stderr.trim().split('\n').pop()}`);
      return 1;
    }
    const r = JSON.parse(step.stdout.trim().split('\n').pop()!) as { msPerStep: number; msPerHvp: number; msPerSharpness: number };
    console.log(`gpu-check: trainer benchmark, ${mode} step (MLP 64→512→512→1, batch 128): ${r.msPerStep.toFixed(3)} ms/step, HVP (batch 512) ${r.msPerHvp.toFixed(3)} ms, sharpness estimate ${r.msPerSharpness.toFixed(1)} ms`);
  }
  return 0;
}

main().then((code) => process.exit(code), (err: unknown) => {
  console.error(`gpu-check: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
