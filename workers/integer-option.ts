// Whole-number command-line values, read strictly: decimal digits only. Number() would also take
// "0x1", "1e3", " 2", "2." or "" (as 0), so a typo could silently become a different setting.

/** The value of `flag` as a whole number in [min, max], or an Error naming the flag and the text. */
export function parseIntegerOption(text: string, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `${min}-${max}`;
    throw new IntegerOptionError(`${flag}: must be a whole number ${range}, got ${JSON.stringify(text)}`);
  }
  return n;
}

export class IntegerOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IntegerOptionError';
  }
}
