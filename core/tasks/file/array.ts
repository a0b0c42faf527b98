// The in-memory form of a numeric file: a dtype, a shape (rows first) and the values.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export type DType = 'uint8' | 'int8' | 'int16' | 'int32' | 'int64' | 'float32' | 'float64';

export type NumData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface NumArray {
  dtype: DType;
  /** shape[0] is the number of rows (examples); the rest is one example's shape */
  shape: number[];
  /** row-major values; int64 is held as float64 after a range check */
  data: NumData;
  /** rows in the file (shape[0] is less when a maxRows cap applied) */
  totalRows: number;
}

/** A malformed or unreadable data file; the message names the file and the problem. */
export class FileFormatError extends Error {
  constructor(readonly file: string, readonly problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'FileFormatError';
  }
}

/** The bytes of a file, gunzipped when it is gzip-compressed (MNIST is distributed as .gz). */
export function readBytes(file: string): Uint8Array {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.code ?? e.message;
    throw new FileFormatError(file, `cannot read (${why})`);
  }
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (err) {
      throw new FileFormatError(file, `corrupt gzip data (${(err as Error).message})`);
    }
  }
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

export const BYTES: Record<DType, number> = { uint8: 1, int8: 1, int16: 2, int32: 4, int64: 8, float32: 4, float64: 8 };

/** Decode `count` values of `dtype` starting at byte `offset` with the given endianness. */
export function decode(file: string, bytes: Uint8Array, offset: number, count: number, dtype: DType, littleEndian: boolean): NumData {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * BYTES[dtype]);
  switch (dtype) {
    case 'uint8': return bytes.slice(offset, offset + count);
    case 'int8': return new Int8Array(bytes.slice(offset, offset + count).buffer);
    case 'int16': { const a = new Int16Array(count); for (let i = 0; i < count; i++) a[i] = view.getInt16(2 * i, littleEndian); return a; }
    case 'int32': { const a = new Int32Array(count); for (let i = 0; i < count; i++) a[i] = view.getInt32(4 * i, littleEndian); return a; }
    case 'float32': { const a = new Float32Array(count); for (let i = 0; i < count; i++) a[i] = view.getFloat32(4 * i, littleEndian); return a; }
    case 'float64': { const a = new Float64Array(count); for (let i = 0; i < count; i++) a[i] = view.getFloat64(8 * i, littleEndian); return a; }
    case 'int64': {
      const a = new Float64Array(count);
      for (let i = 0; i < count; i++) {
        const v = view.getBigInt64(8 * i, littleEndian);
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
          throw new FileFormatError(file, `int64 value at element ${i + 1} is beyond ±2^53 and cannot be represented`);
        }
        a[i] = Number(v);
      }
      return a;
    }
  }
}

/** Product of the shape after the first axis (values per row). */
export function rowSize(shape: number[]): number {
  return shape.slice(1).reduce((a, b) => a * b, 1);
}

/** Rows actually decoded: all, or the first maxRows (0 = all). */
export function rowsToRead(rows: number, maxRows: number): number {
  return maxRows > 0 ? Math.min(rows, maxRows) : rows;
}
