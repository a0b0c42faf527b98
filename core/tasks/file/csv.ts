// Numeric CSV: one example per line, cells separated by ',' (or tab or ';', detected from the
// first line). The first line is a header when none of its cells is a number. Blank lines are
// skipped. Every other cell must be a decimal number that is finite in float32 (the trainer's
// precision). Errors give the line and column, never the cell's text: a mistyped path may
// point at a file that is not data at all, and its content must not end up in the results.
import { FileFormatError, type NumArray, readBytes } from './array.js';

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export interface CsvTable extends NumArray {
  /** column names when the file has a header */
  header?: string[];
}

export function readCsv(file: string, maxRows = 0): CsvTable {
  return parseCsv(file, new TextDecoder('utf-8').decode(readBytes(file)), maxRows);
}

export function parseCsv(file: string, text: string, maxRows = 0): CsvTable {
  const lines = text.split(/\r?\n/);
  let first = lines.findIndex((l) => l.trim() !== '');
  if (first < 0) throw new FileFormatError(file, 'empty CSV file');
  const delimiter = detectDelimiter(lines[first]);
  const split = (line: string) => line.split(delimiter).map((c) => c.trim().replace(/^"(.*)"$/, '$1').trim());
  let header: string[] | undefined;
  const firstCells = split(lines[first]);
  if (!firstCells.some((c) => NUMBER.test(c))) {
    header = firstCells;
    first++;
  }
  const columns = firstCells.length;
  const values: number[] = [];
  let rows = 0, totalRows = 0;
  for (let li = first; li < lines.length; li++) {
    const line = lines[li];
    if (line.trim() === '') continue;
    totalRows++;
    // rows past the cap are counted (to match label files) but not parsed
    if (maxRows > 0 && rows >= maxRows) continue;
    const cells = split(line);
    if (cells.length !== columns) {
      throw new FileFormatError(file, `ragged CSV row at line ${li + 1}: ${cells.length} cells, expected ${columns}`);
    }
    for (let c = 0; c < columns; c++) {
      const cell = cells[c];
      if (!NUMBER.test(cell)) throw new FileFormatError(file, `line ${li + 1}, column ${c + 1}: not a number`);
      const v = Number(cell);
      if (!Number.isFinite(Math.fround(v))) {
        throw new FileFormatError(file, `line ${li + 1}, column ${c + 1}: number beyond the float32 range (±3.4e38)`);
      }
      values.push(v);
    }
    rows++;
  }
  if (rows === 0) throw new FileFormatError(file, header ? 'CSV file has a header but no data rows' : 'CSV file has no data rows');
  const out: CsvTable = { dtype: 'float64', shape: [rows, columns], data: Float64Array.from(values), totalRows };
  if (header) out.header = header;
  return out;
}

function detectDelimiter(line: string): string {
  const counts = [',', '\t', ';'].map((d) => [d, line.split(d).length - 1] as const);
  const best = counts.reduce((a, b) => (b[1] > a[1] ? b : a));
  return best[1] > 0 ? best[0] : ',';
}
