// What a sweep id may hold, checked wherever one comes in (the client, `sweep submit --id`, a
// trainer's launch, NATS keys). A sweep id is the id of its Temporal workflow; scheduled sweeps
// get `<schedule>-<RFC 3339 time>` from Temporal, hence ':'.
export const SWEEP_ID_PATTERN = /^[A-Za-z0-9_:-]{1,200}$/;

export class SweepIdError extends Error {}

export function checkSweepId(id: string): string {
  if (!SWEEP_ID_PATTERN.test(id)) throw new SweepIdError(`sweep id "${id}": only letters, digits, '_', '-' and ':' are allowed`);
  return id;
}
