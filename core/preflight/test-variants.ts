// Deliberately broken parametrizations that only tests can add to a coord check (by name, through
// the SWEEP_TEST_COORD_VARIANTS environment variable read by the commands and the activity):
// they prove the check catches a mis-scaled layer. They are never spec values.
import type { Parametrization } from '../config/trial.js';
import type { LayerScale } from '../model/parametrization.js';

export const TEST_VARIANTS_ENV = 'SWEEP_TEST_COORD_VARIANTS';

export interface CoordVariant {
  /** name reported in the verdict */
  name: string;
  /** the parametrization it claims to be (its expected slopes) */
  base: Parametrization;
  /** changes the base's layer scales at width N */
  adjust(layers: LayerScale[], width: number): void;
}

const VARIANTS: Record<string, CoordVariant> = {
  // µP with NTK's output multiplier 1/(γ0·√N) instead of 1/(γ0·N): the output update grows ∝ N
  'mup-misscaled-output': {
    name: 'mup-misscaled-output',
    base: 'mup',
    adjust(layers, width) {
      const out = layers[layers.length - 1];
      out.multiplier *= Math.sqrt(width);
      out.biasMultiplier *= Math.sqrt(width);
    },
  },
};

/** The test variants named in `env` (comma-separated); unknown names are ignored. */
export function testVariantsFromEnv(env: NodeJS.ProcessEnv = process.env): CoordVariant[] {
  const names = (env[TEST_VARIANTS_ENV] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return names.flatMap((n) => (VARIANTS[n] ? [VARIANTS[n]] : []));
}

export function testVariant(name: string): CoordVariant | undefined {
  return VARIANTS[name];
}
