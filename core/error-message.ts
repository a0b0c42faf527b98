// The text of a thrown value for a one-line report: logs, trial failures and CLI errors keep
// the first line only (gRPC and zod errors append details and stacks on later lines).

/** The message of an Error, or the value as a string (anything can be thrown). */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The first line of errorMessage(err) (or of a string given as is). */
export function firstLine(err: unknown): string {
  return (typeof err === 'string' ? err : errorMessage(err)).split('\n')[0];
}
