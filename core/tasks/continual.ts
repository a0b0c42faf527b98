// continual (P4, arXiv 2403.06398): T tasks made from one base task by rotating its inputs by
// k·rotationDegrees, k = 0..T−1, trained one after another; task k keeps the base's targets,
// so it asks for the base function composed with the inverse rotation. Image inputs (mnist,
// IDX/NPY files with 2-D examples) are rotated as images like P4's rotated MNIST; vector inputs
// are rotated in fixed random planes drawn from (task seed, 'task', 'rotation-planes'). The
// continual task's seed draws the base task too (the base has no seed of its own).
import type { z } from 'zod';
import { Rng } from '../rng.js';
import type { BaseTaskConfig, continualTask } from '../config/trial.js';
import type { Dataset, Task, TaskSeeds } from './task.js';
import { ImageRotation, type InputMap, PlaneRotation, mapInputs } from './rotation.js';
import { batchStream } from './batches.js';
import { loadFileData, fileTaskFromData } from './file/file-task.js';
import type { DataAccess } from './file/data-roots.js';
import { createTeacherMlpTask } from './teacher-mlp.js';
import { createMultiIndexTask } from './multi-index.js';
import { createGaussianMixtureTask } from './gaussian-mixture.js';
import { createTeacherClassesTask } from './teacher-classes.js';
import { loadMnistData, mnistTaskFromData } from './mnist.js';

export type ContinualConfig = Omit<z.output<typeof continualTask>, 'seed'>;

/** The map of subtask k, for k ≥ 1 (subtask 0 is the base itself). */
type RotationOf = (angle: number) => InputMap;

export function createContinualTask(config: ContinualConfig, seeds: TaskSeeds, access?: DataAccess): Task {
  const { base, rotationOf } = baseWithRotation(config.base, seeds, access);
  const step = (config.rotationDegrees * Math.PI) / 180;
  const sequence: Task[] = [base];
  for (let k = 1; k < config.tasks; k++) sequence.push(rotatedTask(base, rotationOf(k * step), `task-${k}`));
  // The continual task itself presents the first task of the sequence; the trainer walks `sequence`.
  return { ...base, kind: 'continual', sequence, batch: base.batch };
}

function baseWithRotation(config: BaseTaskConfig, seeds: TaskSeeds, access?: DataAccess): { base: Task; rotationOf: RotationOf } {
  const imageRotations = (img: { height: number; width: number; background: number }): RotationOf =>
    (a) => new ImageRotation(img.height, img.width, a, img.background);
  if (config.kind === 'mnist') {
    const data = loadMnistData(config, seeds.task);
    return { base: mnistTaskFromData(data, seeds.trial), rotationOf: imageRotations(data.image) };
  }
  if (config.kind === 'file') {
    const data = loadFileData(config, seeds.task, access);
    const base = fileTaskFromData(data, seeds.trial);
    if (data.image) return { base, rotationOf: imageRotations(data.image) };
    return { base, rotationOf: planeRotations(base.inputDim, seeds.task, 'task.base: a file') };
  }
  const base = createBase(config, seeds);
  return { base, rotationOf: planeRotations(base.inputDim, seeds.task, `task.base: ${config.kind}`) };
}

function createBase(config: Exclude<BaseTaskConfig, { kind: 'file' | 'mnist' }>, seeds: TaskSeeds): Task {
  switch (config.kind) {
    case 'teacher-mlp': return createTeacherMlpTask(config, seeds);
    case 'multi-index': return createMultiIndexTask(config, seeds);
    case 'gaussian-mixture': return createGaussianMixtureTask(config, seeds);
    case 'teacher-classes': return createTeacherClassesTask(config, seeds);
  }
}

function planeRotations(dim: number, taskSeed: number, what: string): RotationOf {
  if (dim < 2) throw new Error(`${what} with ${dim} input dimension cannot be rotated; continual tasks need at least 2`);
  const planes = PlaneRotation.planes(new Rng(taskSeed, 'task', 'rotation-planes'), dim);
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
