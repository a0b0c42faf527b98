// Cross-check of the power-law fit (core/analysis/power-law.ts) against scipy on the same data,
// both on log L = log(E + A·x^(−α)), least squares and soft-L1 (f_scale fixed):
//   - against the global minimum: scipy least_squares from a grid of starts, best result kept
//     (test/scipy/power_law_fit.py, the reference of the unit test);
//   - against scipy from one given start near the truth (bench/fit-vs-scipy/fit.py): how often a
//     single local fit ends above the global minimum, and the time per fit.
// scipy comes from the venv test/servers/install-scipy.sh creates under .cache/.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fitPowerLaw, powerLaw, type PowerLawParams } from '../../core/analysis/power-law.js';
import { Rng } from '../../core/rng.js';

const here = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));

function ensureScipy(): string {
  return execFileSync('bash', [here('test/servers/install-scipy.sh')], { stdio: ['ignore', 'pipe', 'inherit'] }).toString().trim();
}

const SCALE = 0.02;
const logspace = (a: number, b: number, n: number) => Array.from({ length: n }, (_, i) => a * Math.pow(b / a, i / (n - 1)));

function datasets() {
  const rng = new Rng(42, 'bench-fit-vs-scipy');
  const truths: PowerLawParams[] = [
    { E: 0.05, A: 3, alpha: 0.6 }, { E: 0.01, A: 1, alpha: 0.35 }, { E: 0.2, A: 10, alpha: 1.2 }, { E: 0.001, A: 0.5, alpha: 0.5 },
    { E: 0, A: 0.5, alpha: 0.0866 }, // on the bound E = 0, a small exponent (a lazy time exponent)
  ];
  const out: { x: number[]; y: number[]; truth: PowerLawParams; start: PowerLawParams }[] = [];
  for (let k = 0; k < 40; k++) {
    const truth = truths[k % truths.length];
    const x = logspace(16, 16384, 8 + (k % 3) * 6);
    const noise = [0.005, 0.02, 0.05][k % 3];
    const y = x.map((v) => powerLaw(truth, v) * Math.exp(noise * rng.normal()));
    if (k % 5 === 4) y[Math.floor(y.length / 2)] *= 1.5; // an outlier now and then
    out.push({ x, y, truth, start: { E: truth.E * 1.5 + 1e-3, A: truth.A * 0.7, alpha: truth.alpha * 0.8 } });
  }
  return out;
}

type Ref = PowerLawParams & { cost: number };

function main(): void {
  const python = ensureScipy();
  const data = datasets();
  const run = (script: string, input: unknown) => JSON.parse(execFileSync(python, [here(script)], { input: JSON.stringify(input), maxBuffer: 1 << 26 }).toString());
  const single = run('bench/fit-vs-scipy/fit.py', { datasets: data, scale: SCALE }) as { curve_fit: Ref[]; soft_l1: Ref[]; secondsPerFit: { curve_fit: number; soft_l1: number }; scipy: string };
  const global = {
    linear: run('test/scipy/power_law_fit.py', { datasets: data.map((d) => ({ x: d.x, y: d.y, loss: 'linear', f_scale: 1 })) }) as Ref[],
    soft_l1: run('test/scipy/power_law_fit.py', { datasets: data.map((d) => ({ x: d.x, y: d.y, loss: 'soft_l1', f_scale: SCALE })) }) as Ref[],
  };

  const rows: string[] = [];
  const worst = { linear: 0, robust: 0, linearE: 0, robustE: 0, linearCost: -Infinity, robustCost: -Infinity };
  const stuck = { linear: 0, robust: 0 };
  const time = { linear: 0, robust: 0 };
  const reps = 10;
  data.forEach((d, i) => {
    let t0 = performance.now();
    let lin = fitPowerLaw(d.x, d.y, { loss: 'linear' });
    for (let r = 1; r < reps; r++) lin = fitPowerLaw(d.x, d.y, { loss: 'linear' });
    time.linear += (performance.now() - t0) / reps / 1000;
    t0 = performance.now();
    let rob = fitPowerLaw(d.x, d.y, { loss: 'soft-l1', scale: SCALE });
    for (let r = 1; r < reps; r++) rob = fitPowerLaw(d.x, d.y, { loss: 'soft-l1', scale: SCALE });
    time.robust += (performance.now() - t0) / reps / 1000;
    const gl = global.linear[i], gr = global.soft_l1[i];
    const dl = Math.abs(lin.alpha - gl.alpha);
    const dr = Math.abs(rob.alpha - gr.alpha);
    worst.linear = Math.max(worst.linear, dl);
    worst.robust = Math.max(worst.robust, dr);
    worst.linearE = Math.max(worst.linearE, Math.abs(lin.E - gl.E));
    worst.robustE = Math.max(worst.robustE, Math.abs(rob.E - gr.E));
    worst.linearCost = Math.max(worst.linearCost, (lin.cost - gl.cost) / gl.cost);
    worst.robustCost = Math.max(worst.robustCost, (rob.cost - gr.cost) / gr.cost);
    // a single-start scipy fit counts as stuck when it ends 1e-6 or more above the global minimum
    if (single.curve_fit[i].cost > gl.cost * (1 + 1e-6)) stuck.linear++;
    if (single.soft_l1[i].cost > gr.cost * (1 + 1e-6)) stuck.robust++;
    rows.push(`${String(i).padStart(3)}  n=${String(d.x.length).padStart(2)}  truth α=${d.truth.alpha.toFixed(4)} E=${d.truth.E}  LS: ours ${lin.alpha.toFixed(6)} global ${gl.alpha.toFixed(6)} one start ${single.curve_fit[i].alpha.toFixed(6)}   soft-L1: ours ${rob.alpha.toFixed(6)} global ${gr.alpha.toFixed(6)} one start ${single.soft_l1[i].alpha.toFixed(6)}`);
  });
  console.log(rows.join('\n'));
  const n = data.length;
  console.log(`\nscipy ${single.scipy}; ${n} datasets`);
  console.log(`vs scipy's global minimum (least_squares from a grid of starts):`);
  console.log(`  least squares: max |Δα| ${worst.linear.toExponential(2)}, max |ΔE| ${worst.linearE.toExponential(2)}, max relative objective excess ${worst.linearCost.toExponential(2)}`);
  console.log(`  soft-L1 (f_scale ${SCALE}): max |Δα| ${worst.robust.toExponential(2)}, max |ΔE| ${worst.robustE.toExponential(2)}, max relative objective excess ${worst.robustCost.toExponential(2)}`);
  console.log(`scipy from one start near the truth ended above the global minimum in ${stuck.linear} (curve_fit) and ${stuck.robust} (soft-L1) of ${n} datasets`);
  console.log(`time per fit, ratio ours/scipy one start: least squares ${(time.linear / n / single.secondsPerFit.curve_fit).toFixed(2)} (${(1e3 * time.linear / n).toFixed(2)} ms vs ${(1e3 * single.secondsPerFit.curve_fit).toFixed(2)} ms), soft-L1 ${(time.robust / n / single.secondsPerFit.soft_l1).toFixed(2)} (ours includes its global start search and several LM runs; scipy runs once from a given point)`);
}

main();
