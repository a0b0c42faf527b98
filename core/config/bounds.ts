// Hard upper bounds on trial config values that set how long loops run or how many things are
// kept, whatever the memory: beyond them a trial cannot finish or its output cannot be read.

/** train.steps (and the steps of continual tasks) */
export const MAX_STEPS = 100_000_000;
/** weight layers of the model and of a teacher network */
export const MAX_LAYERS = 1000;
/** evaluation points of one trial (each is a line of metrics.jsonl) */
export const MAX_EVAL_POINTS = 1_000_000;
/** iterations of the sharpness eigenvalue solver (Lanczos keeps one vector per iteration) */
export const MAX_EIGEN_ITERATIONS = 10_000;
/** tasks of a continual sequence; giant steps */
export const MAX_TASKS = 1000;
/** harmonics of the circle task (each sample sums all of them) */
export const MAX_HARMONICS = 1_000_000;
/** wasm compute threads */
export const MAX_THREADS = 1024;
/**
 * Estimated memory of one trial (core/config/resources.ts): fixed, not read from the machine,
 * so a spec is valid or not wherever it is checked (a laptop, a cluster worker, a trial pod).
 */
export const MAX_TRIAL_BYTES = 8 * 1024 ** 3;
