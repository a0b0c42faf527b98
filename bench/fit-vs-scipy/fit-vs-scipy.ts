// Cross-check of the power-law fit (core/analysis/power-law.ts) against scipy on the same data:
// curve_fit for the least-squares fit and least_squares(loss="soft_l1") for the robust fit,
// both on log L = log(E + A·x^(−α)). scipy comes from PyPI into a private venv under .cache/.
// Reports the largest parameter differences and the time per fit as a ratio to scipy's.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fitPowerLaw, powerLaw, type PowerLawParams } from '../../core/analysis/power-law.js';
import { Rng } from '../../core/rng.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cache = process.env.SWEEP_CACHE_DIR ?? join(root, '.cache');
const venv = join(cache, 'bench-scipy-venv');
const python = join(venv, 'bin', 'python');

function ensureScipy(): void {
  if (existsSync(python)) {
    try { execFileSync(python, ['-c', 'import scipy, numpy'], { stdio: 'ignore' }); return; } catch { /* install below */ }
  }
  mkdirSync(cache, { recursive: true });
  console.log(`installing scipy into ${venv} (PyPI) ...`);
  execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  execFileSync(join(venv, 'bin', 'pip'), ['install', '-q', 'scipy', 'numpy'], { stdio: 'inherit' });
}

const SCALE = 0.02;
const logspace = (a: number, b: number, n: number) => Array.from({ length: n }, (_, i) => a * Math.pow(b / a, i / (n - 1)));

function datasets() {
  const rng = new Rng(42, 'bench-fit-vs-scipy');
  const truths: PowerLawParams[] = [
    { E: 0.05, A: 3, alpha: 0.6 }, { E: 0.01, A: 1, alpha: 0.35 }, { E: 0.2, A: 10, alpha: 1.2 }, { E: 0.001, A: 0.5, alpha: 0.5 },
  ];
  const out: { x: number[]; y: number[]; truth: PowerLawParams; start: PowerLawParams }[] = [];
  for (let k = 0; k < 40; k++) {
    const truth = truths[k % truths.length];
    const x = logspace(16, 16384, 8 + (k % 3) * 6);
    const noise = [0.005, 0.02, 0.05][k % 3];
    const y = x.map((v) => powerLaw(truth, v) * Math.exp(noise * rng.normal()));
    if (k % 5 === 4) y[Math.floor(y.length / 2)] *= 1.5; // an outlier now and then
    out.push({ x, y, truth, start: { E: truth.E * 1.5, A: truth.A * 0.7, alpha: truth.alpha * 0.8 } });
  }
  return out;
}

function main(): void {
  ensureScipy();
  const data = datasets();
  const ref = JSON.parse(execFileSync(python, [fileURLToPath(new URL('../../../bench/fit-vs-scipy/fit.py', import.meta.url))], {
    input: JSON.stringify({ datasets: data, scale: SCALE }), maxBuffer: 1 << 26,
  }).toString()) as { curve_fit: PowerLawParams[]; soft_l1: PowerLawParams[]; secondsPerFit: { curve_fit: number; soft_l1: number }; scipy: string };

  const rows: string[] = [];
  let worst = { linear: 0, robust: 0, linearE: 0, robustE: 0 };
  const time = { linear: 0, robust: 0 };
  const reps = 20;
  data.forEach((d, i) => {
    let t0 = performance.now();
    let lin = fitPowerLaw(d.x, d.y, { loss: 'linear' });
    for (let r = 1; r < reps; r++) lin = fitPowerLaw(d.x, d.y, { loss: 'linear' });
    time.linear += (performance.now() - t0) / reps / 1000;
    t0 = performance.now();
    let rob = fitPowerLaw(d.x, d.y, { loss: 'soft-l1', scale: SCALE });
    for (let r = 1; r < reps; r++) rob = fitPowerLaw(d.x, d.y, { loss: 'soft-l1', scale: SCALE });
    time.robust += (performance.now() - t0) / reps / 1000;
    const dl = Math.abs(lin.alpha - ref.curve_fit[i].alpha);
    const dr = Math.abs(rob.alpha - ref.soft_l1[i].alpha);
    worst = {
      linear: Math.max(worst.linear, dl), robust: Math.max(worst.robust, dr),
      linearE: Math.max(worst.linearE, Math.abs(lin.E - ref.curve_fit[i].E)), robustE: Math.max(worst.robustE, Math.abs(rob.E - ref.soft_l1[i].E)),
    };
    rows.push(`${String(i).padStart(3)}  n=${String(d.x.length).padStart(2)}  truth α=${d.truth.alpha.toFixed(2)}  LS: ours ${lin.alpha.toFixed(6)} scipy ${ref.curve_fit[i].alpha.toFixed(6)} |Δ| ${dl.toExponential(1)}   soft-L1: ours ${rob.alpha.toFixed(6)} scipy ${ref.soft_l1[i].alpha.toFixed(6)} |Δ| ${dr.toExponential(1)}`);
  });
  console.log(rows.join('\n'));
  const n = data.length;
  console.log(`\nscipy ${ref.scipy}; ${n} datasets`);
  console.log(`max |Δα| least squares (vs curve_fit): ${worst.linear.toExponential(2)}; max |ΔE| ${worst.linearE.toExponential(2)}`);
  console.log(`max |Δα| soft-L1 (vs least_squares, f_scale ${SCALE}): ${worst.robust.toExponential(2)}; max |ΔE| ${worst.robustE.toExponential(2)}`);
  console.log(`time per fit, ratio ours/scipy: least squares ${(time.linear / n / ref.secondsPerFit.curve_fit).toFixed(2)} (${(1e3 * time.linear / n).toFixed(2)} ms vs ${(1e3 * ref.secondsPerFit.curve_fit).toFixed(2)} ms), soft-L1 ${(time.robust / n / ref.secondsPerFit.soft_l1).toFixed(2)} (ours includes its own start search; scipy starts from a given point)`);
}

main();
