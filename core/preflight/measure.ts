// The coord check's measurements with the built-in trainer: each subject trained a few steps on
// one fixed batch at every width and seed, recording per layer and step the mean |h_l| and the
// mean update |h_l(t) − h_l(0)| (pre-activations; the last layer is the raw network output,
// before any centering). Another trainer supplies the same tables (sizes.ts).
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend/backend.js';
import { probeDataset } from '../measure/probe.js';
import { createTask } from '../tasks/index.js';
import type { DataAccess } from '../tasks/file/data-roots.js';
import type { Dataset } from '../tasks/task.js';
import { Trainer } from '../train/trainer.js';
import type { CoordCheckPlan, CoordCheckSubject } from './plan.js';
import type { MeasureProgress, SizeTable, SubjectSizes } from './sizes.js';

/** Rows of the fixed batch (the training batch size, at most this many). */
export const MAX_BATCH = 256;

/** Mean |h_l| and mean |h_l − h0_l| of every layer on x. */
function sizes(tr: Trainer, x: tf.Tensor, h0: tf.Tensor[] | null): { h: number[]; dh: number[] } {
  const [a, b] = tf.tidy(() => {
    const { hs } = tr.mlp.forward(tr.params, x);
    const h = tf.stack(hs.map((v) => tf.mean(tf.abs(v))));
    const dh = h0 ? tf.stack(hs.map((v, l) => tf.mean(tf.abs(tf.sub(v, h0[l]))))) : tf.zerosLike(h);
    return [h, dh];
  });
  const out = { h: Array.from(a.dataSync()), dh: Array.from(b.dataSync()) };
  a.dispose();
  b.dispose();
  return out;
}

/** One run: steps+1 rows of per-layer sizes (row t after t steps). */
function runOne(subject: CoordCheckSubject, width: number, seed: number, steps: number, batch: Dataset): { h: number[][]; dh: number[][] } {
  const config = { ...subject.config, seed, model: { ...subject.config.model, width } };
  const tr = new Trainer(config, batch.inputDim, batch.outputDim);
  subject.variant?.adjust(tr.mlp.layers, width);
  tr.setRecurring(batch);
  const x = tf.tensor2d(batch.x, [batch.n, batch.inputDim]);
  const h0 = tf.tidy(() => tr.mlp.forward(tr.params, x).hs.map((h) => tf.keep(h)));
  const rows = { h: [] as number[][], dh: [] as number[][] };
  try {
    for (let t = 0; t <= steps; t++) {
      if (t > 0) tr.step(batch);
      const r = sizes(tr, x, h0);
      rows.h.push(r.h);
      rows.dh.push(r.dh);
    }
  } finally {
    [x, ...h0].forEach((v) => v.dispose());
    tr.dispose();
  }
  return rows;
}

export interface MeasureOptions extends MeasureProgress {
  data?: DataAccess;
}

/** Trains every subject at every width and seed; the batch and the task are the same for all. */
export async function measureCoordCheck(plan: CoordCheckPlan, opts: MeasureOptions = {}): Promise<SubjectSizes[]> {
  const first = plan.subjects[0].config;
  await initBackend(first.backend);
  const task = createTask(first.task, first.seed, opts.data);
  const rows = first.train.batchSize > 0 ? Math.min(first.train.batchSize, MAX_BATCH) : MAX_BATCH;
  const batch = probeDataset(task, rows, first.seed);
  const total = plan.subjects.length * plan.widths.length;
  let done = 0;
  const out: SubjectSizes[] = [];
  for (const subject of plan.subjects) {
    const depth = subject.config.model.depth;
    const table = (): SizeTable => Array.from({ length: depth }, () => Array.from({ length: plan.steps + 1 }, () => plan.widths.map(() => [] as number[])));
    const res: SubjectSizes = { subject, depth, h: table(), dh: table() };
    plan.widths.forEach((width, w) => {
      for (let k = 0; k < plan.seeds; k++) {
        const r = runOne(subject, width, subject.config.seed + k, plan.steps, batch);
        for (let t = 0; t <= plan.steps; t++) {
          for (let l = 0; l < depth; l++) {
            res.h[l][t][w].push(r.h[t][l]);
            res.dh[l][t][w].push(r.dh[t][l]);
          }
        }
      }
      opts.onProgress?.(++done, total);
    });
    out.push(res);
  }
  return out;
}
