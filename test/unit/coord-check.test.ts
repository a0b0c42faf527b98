// µP coord check (microsoft/mup; docs/science.md §1): train each width 3 steps on one fixed batch and
// measure how much every layer's pre-activations moved, mean |h_l(3) − h_l(0)|, averaged over 3
// seeds. Under µP the change is the same at every width (fitted slope of log change on log width
// within ±0.15 for every layer, widths 64…1024); SP at a fixed learning rate blows up with width
// (output-layer slope above 0.5: observed ≈ 0.7–1.1).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Trainer } from '../../core/train/trainer.js';
import * as ref from './trainer-reference.js';
import { dataset, trial, useWasm } from './trainer-fixtures.js';

before(async () => {
  await useWasm();
});

const WIDTHS = [64, 128, 256, 512, 1024];
const D = 16, B = 64;
const batch = dataset(ref.normals(1, B * D), ref.normals(2, B), B, D, 1);

/** Mean |Δh_l| after 3 steps, per layer, averaged over seeds. */
function activationChange(parametrization: 'sp' | 'mup', activation: 'relu' | 'tanh', lr: number, width: number): number[] {
  const acc = [0, 0, 0];
  const seeds = [1, 2, 3];
  for (const seed of seeds) {
    const tr = new Trainer(trial({
      seed, task: { kind: 'teacher-mlp', inputDim: D }, optimizer: { kind: 'sgd', lr },
      model: { width, depth: 3, parametrization, activation },
    }), D, 1);
    const x = tf.tensor2d(batch.x, [B, D]);
    const before = tf.tidy(() => tr.mlp.forward(tr.params, x).hs.map((h) => tf.keep(h)));
    for (let t = 0; t < 3; t++) tr.step(batch);
    const change = tf.tidy(() => tf.stack(tr.mlp.forward(tr.params, x).hs.map((h, l) => tf.mean(tf.abs(tf.sub(h, before[l]))))));
    change.dataSync().forEach((v, l) => { acc[l] += v / seeds.length; });
    [x, change, ...before].forEach((t) => t.dispose());
    tr.dispose();
  }
  return acc;
}

/** Least-squares slope of log y on log x. */
function logSlope(xs: number[], ys: number[]): number {
  const lx = xs.map(Math.log), ly = ys.map(Math.log);
  const mx = lx.reduce((a, b) => a + b) / lx.length, my = ly.reduce((a, b) => a + b) / ly.length;
  return lx.reduce((a, x, i) => a + (x - mx) * (ly[i] - my), 0) / lx.reduce((a, x) => a + (x - mx) ** 2, 0);
}

function slopes(parametrization: 'sp' | 'mup', activation: 'relu' | 'tanh', lr: number): number[] {
  const rows = WIDTHS.map((w) => activationChange(parametrization, activation, lr, w));
  return [0, 1, 2].map((l) => logSlope(WIDTHS, rows.map((r) => r[l])));
}

for (const activation of ['relu', 'tanh'] as const) {
  test(`coord check (${activation}): µP activation updates are flat in width, SP's grow`, () => {
    const mup = slopes('mup', activation, 0.5);
    for (const [l, s] of mup.entries()) assert.ok(Math.abs(s) < 0.15, `µP layer ${l}: slope ${s.toFixed(3)} (all: ${mup.map((v) => v.toFixed(3))})`);
    const sp = slopes('sp', activation, 0.02);
    assert.ok(sp[2] > 0.5, `SP output slope ${sp[2].toFixed(3)} (all: ${sp.map((v) => v.toFixed(3))})`);
  });
}
