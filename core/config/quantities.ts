// Sizes and counts as people read them in messages: "1.0 MiB", "3.2·10⁹".

const SUPERSCRIPT = '⁰¹²³⁴⁵⁶⁷⁸⁹';

/** 3.2e9 → "3.2·10⁹"; counts below 10⁶ as written. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (n < 1e6) return String(n);
  const e = Math.floor(Math.log10(n));
  return `${(n / 10 ** e).toFixed(1)}·10${String(e).split('').map((d) => SUPERSCRIPT[Number(d)]).join('')}`;
}

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** 1536 → "1.5 KiB"; beyond PiB the count of PiB in powers of ten. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  let u = 0;
  let v = n / 1024;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return v >= 1e6 ? `${formatCount(v)} ${UNITS[u]}` : `${v.toFixed(1)} ${UNITS[u]}`;
}
