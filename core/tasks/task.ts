// The interface between task generators (core/tasks/*) and the trainer (core/train/*).
// Data is plain row-major Float32Array so generators stay backend-free and testable.

/** n examples: x is n × inputDim; y is n × outputDim (regression targets or one-hot). */
export interface Dataset {
  n: number;
  inputDim: number;
  outputDim: number;
  x: Float32Array;
  y: Float32Array;
  /** classification: class index of each example */
  labels?: Int32Array;
}

/**
 * The two seeds a task is built from. `task` (the config's task.seed) draws what defines the
 * task: teacher, fixed training and test sets, class means, rotation planes. `trial` (the
 * trial's seed) draws the batch order and, for online tasks, the fresh samples: SGD noise of
 * the same task, so a seed axis averages over one task's noise and initialisations.
 */
export interface TaskSeeds {
  task: number;
  trial: number;
}

export interface Task {
  kind: string;
  inputDim: number;
  outputDim: number;
  classification: boolean;
  classes?: number;
  /** fixed training set; undefined for online tasks (fresh samples every step) */
  train?: Dataset;
  /** the training batch of a step: fresh samples (online) or a seeded minibatch of `train`;
   *  size 0 = the full training set. Same (seed, step, size) → same batch. */
  batch(step: number, size: number): Dataset;
  /** fixed test set */
  test: Dataset;
  /** continual tasks: the sequence, trained one after another */
  sequence?: Task[];
  /** multi-index: the teacher directions w*_r (unit vectors of length inputDim) */
  teacherDirections?: Float32Array[];
  /** theory constants the analyses compare against, when the task defines them
   *  (circle-power-law: capacity α = 2 and source β = (2q − 1)/2 for ReLU) */
  theory?: { capacity?: number; source?: number };
}
