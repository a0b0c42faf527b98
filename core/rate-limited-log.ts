// One log line per kind per interval: a flood of bad messages must not become a flood of log
// lines. The first occurrence of a kind is written at once; later ones within the interval are
// only counted, and the next line written for that kind says how many were not shown.
export class RateLimitedLog<K extends string> {
  private readonly last = new Map<K, { at: number; suppressed: number }>();

  constructor(
    private readonly write: (line: string) => void,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Writes `line` unless a line of `kind` was written less than the interval ago. */
  note(kind: K, line: string): void {
    const t = this.now();
    const prev = this.last.get(kind);
    if (prev && t - prev.at < this.intervalMs) {
      prev.suppressed++;
      return;
    }
    const more = prev?.suppressed ? ` (and ${prev.suppressed} more like it since the last line)` : '';
    this.last.set(kind, { at: t, suppressed: 0 });
    this.write(`${line}${more}`);
  }
}
