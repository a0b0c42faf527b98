// A mistake in how a command was called (a bad flag value, an unreadable file named on the
// command line): the CLI prints its message as one line and exits with 2. Its own module so
// that the commands need not import the CLI that registers them.
export class UsageError extends Error {}
