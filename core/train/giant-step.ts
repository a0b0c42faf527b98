// Giant-step mode (P5, arXiv 2305.18270): T large gradient steps on the first layer of a two-layer
// network, each on a fresh batch of n = α·d samples, with the readout frozen at its init; then
// the readout is refitted by ridge regression on fresh samples. Reports how well the first-layer
// neurons (and the first update) align with the teacher directions.
import * as tf from '@tensorflow/tfjs';
import type { TrialConfig } from '../config/trial.js';
import type { FinalMetrics, GiantStepResult, MetricMessage } from '../messages.js';
import type { Task } from '../tasks/task.js';
import { lossGrad, lossSum } from '../model/loss.js';
import { layerScales } from '../model/parametrization.js';
import { matMulTA, matMulTB } from '../model/matmul.js';
import { DeviceDataset, evaluate } from '../measure/evaluate.js';
import { disposeBatch } from '../measure/probe.js';
import { ridgeSolve } from './ridge.js';
import { Cooperation, Diverged, divergenceBound } from './signals.js';
import type { FinalTracker, RunIo } from './standard.js';
import type { Trainer } from './trainer.js';

export interface GiantStepOutcome {
  final: FinalMetrics;
  giantStep: GiantStepResult;
}

export async function trainGiantStep(config: TrialConfig, task: Task, trainer: Trainer, io: RunIo, tracker: FinalTracker): Promise<GiantStepOutcome> {
  const gs = config.giantStep!;
  const { mlp } = trainer;
  if (mlp.depth !== 2) throw new Error(`giantStep needs a two-layer network (model.depth 2), got depth ${mlp.depth}`);
  const d = task.inputDim;
  const n = Math.max(1, Math.round(gs.alpha * d));
  // Validation refuses this where the config fixes the set's size; a file's size is known only here.
  if (task.train && n > task.train.n) {
    throw new Error(`giantStep.alpha: ${gs.alpha} asks for n = α·d = ${n} samples per giant step (d = ${d}), more than the ${task.train.n} training rows; every step would reuse the whole set`);
  }
  const w1 = mlp.weightIndex(0);
  const w2 = mlp.weightIndex(1);
  // The first layer's plain-SGD rate of the parametrization (η0·N for mup), times the giant step's lr.
  const sgdFactor = layerScales(config.model, { kind: 'sgd', lr: 1, momentum: 0, weightDecay: 0 }, d, mlp.outputDim)[0].weightLr;
  const eta = gs.lr * (gs.scaleLr ? Math.sqrt(d) : 1) * sgdFactor;
  const directions = (task.teacherDirections ?? []).map((v) => Float64Array.from(v, (x) => x));
  const coop = new Cooperation(io.signal);

  const maxOverlap: number[][] = [];
  const meanOverlap: number[][] = [];
  const recordOverlaps = () => {
    const o = neuronOverlaps(trainer.params[w1], directions);
    maxOverlap.push(o.max);
    meanOverlap.push(o.mean);
  };
  recordOverlaps();
  let updateOverlap: number[] = directions.map(() => NaN);

  for (let t = 0; t < gs.steps; t++) {
    await coop.check(t);
    const batch = trainer.device(task.batch(t, n));
    let loss = NaN, gradNorm = NaN;
    const next = tf.tidy(() => {
      const fw = mlp.forward(trainer.params, batch.x);
      const raw = fw.hs[1];
      const f = batch.f0 ? tf.sub(raw, batch.f0) : raw;
      loss = lossSum(trainer.loss, f, batch.y).dataSync()[0] / batch.n;
      const { grads } = mlp.backward(trainer.params, fw, lossGrad(trainer.loss, f, batch.y));
      gradNorm = tf.norm(grads[w1]).dataSync()[0];
      return tf.sub(trainer.params[w1], tf.mul(grads[w1], eta));
    });
    disposeBatch(batch);
    if (tracker.initialLoss === null) tracker.initialLoss = loss;
    const bound = divergenceBound(config.train.divergenceFactor, tracker.initialLoss);
    if (!Number.isFinite(loss) || loss > bound) {
      next.dispose();
      throw new Diverged(t, loss, bound);
    }
    trainer.params[w1].dispose();
    trainer.params[w1] = next;
    const m: MetricMessage = { sweepId: io.sweepId, trialId: io.trialId, step: t, trainLoss: loss, gradNorm };
    tracker.record(m);
    await io.emit(m);
    if (t === 0) {
      const delta = tf.sub(trainer.params[w1], trainer.params0[w1]);
      updateOverlap = topDirectionOverlap(delta as tf.Tensor, directions);
      delta.dispose();
    }
    recordOverlaps();
  }

  // Ridge readout on fresh samples: the batch stream's next step, never used by a giant step.
  await coop.check(gs.steps);
  const m = gs.readoutSize > 0 ? gs.readoutSize : 4 * config.model.width;
  const samples = task.batch(gs.steps, m);
  const readout = trainer.device(samples);
  const [gram, rhs] = tf.tidy(() => {
    const z = mlp.forward(trainer.params, readout.x).zs[1];
    // centered: f = Z·β − f_init, so fit Z·β to y + f_init
    const target = readout.f0 ? tf.add(readout.y, readout.f0) : readout.y;
    return [tf.div(matMulTA(z, z), m), tf.div(matMulTA(z, target), m)];
  });
  disposeBatch(readout);
  const [k, outDim] = rhs.shape;
  const beta = ridgeSolve(Float64Array.from(gram.dataSync()), Float64Array.from(rhs.dataSync()), k, outDim, gs.ridge);
  gram.dispose();
  rhs.dispose();
  const a = mlp.layers[1].multiplier;
  trainer.params[w2].dispose();
  trainer.params[w2] = tf.tensor2d(Float32Array.from(beta, (b) => b / a), [k, outDim]);
  const readoutSet = new DeviceDataset(samples, mlp, trainer.params0);
  const fit = evaluate(mlp, trainer.params, readoutSet, trainer.loss);
  readoutSet.dispose();
  const testSet = new DeviceDataset(task.test, mlp, trainer.params0);
  const test = evaluate(mlp, trainer.params, testSet, trainer.loss);
  testSet.dispose();
  const last: MetricMessage = { sweepId: io.sweepId, trialId: io.trialId, step: gs.steps, trainLoss: fit.loss, testLoss: test.loss };
  if (test.accuracy !== undefined) last.accuracy = test.accuracy;
  if (fit.accuracy !== undefined) last.trainAccuracy = fit.accuracy;
  tracker.record(last);
  await io.emit(last);
  return {
    final: tracker.final,
    giantStep: { maxOverlap, meanOverlap, updateOverlap, testLoss: test.loss, alpha: n / d, inputDim: d },
  };
}

/** Max and mean over neurons (columns of W, d × N) of |cos(w_j, w*_r)| for each direction r. */
export function neuronOverlaps(W: tf.Tensor, directions: Float64Array[]): { max: number[]; mean: number[] } {
  const [d, N] = W.shape;
  const w = W.dataSync();
  const norms = new Float64Array(N);
  for (let i = 0; i < d; i++) for (let j = 0; j < N; j++) norms[j] += w[i * N + j] * w[i * N + j];
  const max: number[] = [], mean: number[] = [];
  for (const u of directions) {
    const proj = new Float64Array(N);
    for (let i = 0; i < d; i++) for (let j = 0; j < N; j++) proj[j] += w[i * N + j] * u[i];
    let mx = 0, sum = 0;
    for (let j = 0; j < N; j++) {
      const c = norms[j] > 0 ? Math.abs(proj[j]) / Math.sqrt(norms[j]) : 0;
      mx = Math.max(mx, c);
      sum += c;
    }
    max.push(mx);
    mean.push(sum / N);
  }
  return { max, mean };
}

/** |cos| of the top left singular vector of Δ (d × N) with each direction (power iteration on ΔΔᵀ). */
export function topDirectionOverlap(delta: tf.Tensor, directions: Float64Array[]): number[] {
  if (!directions.length) return [];
  const d = delta.shape[0];
  const product = tf.tidy(() => matMulTB(delta, delta));
  const M = product.dataSync();
  product.dispose();
  let v = new Float64Array(d).map((_, i) => 1 / Math.sqrt(d) * (1 + i / d)); // fixed, generic start
  let lambda = 0;
  for (let it = 0; it < 1000; it++) {
    const w = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += M[i * d + j] * v[j];
      w[i] = s;
    }
    let nrm = 0;
    for (let i = 0; i < d; i++) nrm += w[i] * w[i];
    nrm = Math.sqrt(nrm);
    if (!(nrm > 0)) return directions.map(() => 0);
    for (let i = 0; i < d; i++) w[i] /= nrm;
    const change = Math.abs(nrm - lambda) / nrm;
    v = w;
    lambda = nrm;
    if (it > 5 && change < 1e-10) break;
  }
  return directions.map((u) => Math.abs(u.reduce((s, x, i) => s + x * v[i], 0)));
}
