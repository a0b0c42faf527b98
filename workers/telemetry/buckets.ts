// Histogram buckets fitted to what is measured. Trials take seconds (smoke tests) to hours
// (large widths on one GPU), so durations go up to 6 h; pods start in under a second on a
// warm node and take minutes when a node has to be provisioned or an image pulled.

/** seconds: 1 s … 6 h */
export const TRIAL_DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 21600];

/** seconds: 0.25 s … 30 min */
export const POD_START_BUCKETS = [0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800];
