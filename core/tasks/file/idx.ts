// IDX, the format of MNIST and its relatives (big-endian): two zero bytes, a type code, the
// number of dimensions, each dimension as a big-endian uint32, then the values.
import { BYTES, type DType, FileFormatError, type NumArray, decode, readBytes, rowSize, rowsToRead } from './array.js';

const TYPES: Record<number, DType> = { 0x08: 'uint8', 0x09: 'int8', 0x0b: 'int16', 0x0c: 'int32', 0x0d: 'float32', 0x0e: 'float64' };

export function readIdx(file: string, maxRows = 0): NumArray {
  return parseIdx(file, readBytes(file), maxRows);
}

export function parseIdx(file: string, bytes: Uint8Array, maxRows = 0): NumArray {
  if (bytes.length < 4) throw new FileFormatError(file, `truncated IDX header (${bytes.length} bytes, need at least 4)`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new FileFormatError(file, 'bad IDX magic: the first two bytes must be 0x00 0x00');
  }
  const dtype = TYPES[bytes[2]];
  if (!dtype) throw new FileFormatError(file, `unsupported IDX data type code 0x${hex(bytes[2])} (known: 08 ubyte, 09 byte, 0B short, 0C int, 0D float, 0E double)`);
  const ndim = bytes[3];
  if (ndim === 0) throw new FileFormatError(file, 'IDX file declares 0 dimensions');
  const headerLength = 4 + 4 * ndim;
  if (bytes.length < headerLength) throw new FileFormatError(file, `truncated IDX header: ${ndim} dimensions need ${headerLength} bytes, file has ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const shape: number[] = [];
  for (let i = 0; i < ndim; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = headerLength + count * BYTES[dtype];
  if (bytes.length < expected) {
    throw new FileFormatError(file, `truncated IDX data: shape [${shape.join(', ')}] of ${dtype} needs ${expected} bytes, file has ${bytes.length}`);
  }
  if (bytes.length > expected) {
    throw new FileFormatError(file, `${bytes.length - expected} unexpected bytes after the IDX data of shape [${shape.join(', ')}] (${dtype})`);
  }
  const rows = rowsToRead(shape[0], maxRows);
  const data = decode(file, bytes, headerLength, rows * rowSize(shape), dtype, false);
  return { dtype, shape: [rows, ...shape.slice(1)], data, totalRows: shape[0] };
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0').toUpperCase();
}
