// continual (P4, arXiv 2403.06398): T tasks made from one base task by rotating its inputs by
// k·rotationDegrees, k = 0..T−1, trained one after another; task k keeps the base's targets,
// so it asks for the base function composed with the inverse rotation. Image inputs (IDX/NPY
// files with 2-D examples) are rotated as images like P4's rotated MNIST; vector inputs are
// rotated in fixed random planes drawn from (seed, 'task', 'rotation-planes').
import type { z } from 'zod';
import { Rng } from '../rng.js';
import type { BaseTaskConfig, continualTask } from '../config/trial.js';
import type { Dataset, Task } from './task.js';
import { ImageRotation, type InputMap, PlaneRotation, mapInputs } from './rotation.js';
import { batchStream } from './batches.js';
import { loadFileData, fileTaskFromData } from './file/file-task.js';
import type { DataAccess } from './file/data-roots.js';
import { createTeacherMlpTask } from './teacher-mlp.js';
import { createMultiIndexTask } from './multi-index.js';
import { createGaussianMixtureTask } from './gaussian-mixture.js';
import { createTeacherClassesTask } from './teacher-classes.js';

export type ContinualConfig = z.output<typeof continualTask>;

/** The map of subtask k, for k ≥ 1 (subtask 0 is the base itself). */
type RotationOf = (angle: number) => InputMap;

export function createContinualTask(config: ContinualConfig, seed: number, access?: DataAccess): Task {
  const { base, rotationOf } = baseWithRotation(config.base, seed, access);
  const step = (config.rotationDegrees * Math.PI) / 180;
  const sequence: Task[] = [base];
  for (let k = 1; k < config.tasks; k++) sequence.push(rotatedTask(base, rotationOf(k * step), `task-${k}`));
  // The continual task itself presents the first task of the sequence; the trainer walks `sequence`.
  return { ...base, kind: 'continual', sequence, batch: base.batch };
}

function baseWithRotation(config: BaseTaskConfig, seed: number, access?: DataAccess): { base: Task; rotationOf: RotationOf } {
  if (config.kind === 'file') {
    const data = loadFileData(config, seed, access);
    const base = fileTaskFromData(data, seed);
    const img = data.image;
    if (img) return { base, rotationOf: (a) => new ImageRotation(img.height, img.width, a, img.background) };
    return { base, rotationOf: planeRotations(base.inputDim, seed, 'task.base: a file') };
  }
  const base = createBase(config, seed);
  return { base, rotationOf: planeRotations(base.inputDim, seed, `task.base: ${config.kind}`) };
}

function createBase(config: Exclude<BaseTaskConfig, { kind: 'file' }>, seed: number): Task {
  switch (config.kind) {
    case 'teacher-mlp': return createTeacherMlpTask(config, seed);
    case 'multi-index': return createMultiIndexTask(config, seed);
    case 'gaussian-mixture': return createGaussianMixtureTask(config, seed);
    case 'teacher-classes': return createTeacherClassesTask(config, seed);
  }
}

function planeRotations(dim: number, seed: number, what: string): RotationOf {
  if (dim < 2) throw new Error(`${what} with ${dim} input dimension cannot be rotated; continual tasks need at least 2`);
  const planes = PlaneRotation.planes(new Rng(seed, 'task', 'rotation-planes'), dim);
  return (angle) => new PlaneRotation(planes, angle);
}

/**
 * The base task seen through a fixed input rotation, with the same targets. Its batches are
 * the base's distribution (or training set) drawn on streams tagged by the subtask, so task k
 * gets its own fresh samples (or its own shuffle) rather than task 0's replayed.
 */
function rotatedTask(base: Task, map: InputMap, tag: string): Task {
  const baseBatch = batchStream(base, tag) ?? base.batch;
  const task: Task = {
    kind: base.kind,
    inputDim: base.inputDim,
    outputDim: base.outputDim,
    classification: base.classification,
    test: mapInputs(base.test, map),
    batch(step, size) {
      const b = baseBatch(step, size);
      // the full fixed set: reuse the rotated copy instead of rotating it every step
      return b === base.train ? task.train! : mapInputs(b, map);
    },
  };
  if (base.classes !== undefined) task.classes = base.classes;
  if (base.train) {
    let rotated: Dataset | undefined;
    Object.defineProperty(task, 'train', {
      enumerable: true,
      get: () => (rotated ??= mapInputs(base.train!, map)), // rotated on first use: big sets may never need it
    });
  }
  if (base.teacherDirections) {
    // y = g(W·R⁻¹x′): the rotated task's teacher directions are R·w*
    const out = new Float64Array(base.inputDim);
    task.teacherDirections = base.teacherDirections.map((w) => { map.apply(w, out); return Float32Array.from(out); });
  }
  return task;
}
