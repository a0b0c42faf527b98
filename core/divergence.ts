// Why a diverged trial ended. Its own module because trial messages, outcomes and the stability
// rules all name it, and the stability rules also name outcomes.
/** Its loss became non-finite, or it exceeded the bound. */
export const DIVERGENCE_REASONS = ['nonfinite', 'bound'] as const;
export type Divergence = (typeof DIVERGENCE_REASONS)[number];
