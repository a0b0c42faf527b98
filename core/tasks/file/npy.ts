// NPY (numpy's .npy, versions 1.0, 2.0 and 3.0): magic "\x93NUMPY", version, a header length
// (uint16 LE in 1.0, uint32 LE after), a Python dict literal {'descr', 'fortran_order', 'shape'},
// then the values in C order.
import { BYTES, type DType, FileFormatError, type NumArray, decode, readBytes, rowSize, rowsToRead } from './array.js';

/** numpy's array-protocol type strings: byte order, kind, item size */
const TYPE_CODE = /^[<>|=][a-zA-Z][0-9]{0,2}$/;

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Supported descr strings; '|' marks byte-order-free single-byte types. */
const DESCR: Record<string, DType> = {
  '|u1': 'uint8', '<u1': 'uint8', '|i1': 'int8', '<i1': 'int8',
  '<i2': 'int16', '<i4': 'int32', '<i8': 'int64', '<f4': 'float32', '<f8': 'float64',
};

export function readNpy(file: string, maxRows = 0): NumArray {
  return parseNpy(file, readBytes(file), maxRows);
}

export function parseNpy(file: string, bytes: Uint8Array, maxRows = 0): NumArray {
  if (bytes.length < 10) throw new FileFormatError(file, `truncated NPY header (${bytes.length} bytes)`);
  if (!MAGIC.every((b, i) => bytes[i] === b)) throw new FileFormatError(file, 'bad NPY magic: the file does not start with \\x93NUMPY');
  const major = bytes[6], minor = bytes[7];
  if (major < 1 || major > 3) throw new FileFormatError(file, `unsupported NPY version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw new FileFormatError(file, 'truncated NPY header');
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataOffset = 8 + lenBytes + headerLength;
  if (bytes.length < dataOffset) throw new FileFormatError(file, `truncated NPY header: declares ${headerLength} header bytes, file has ${bytes.length - 8 - lenBytes}`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(8 + lenBytes, dataOffset));

  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new FileFormatError(file, "malformed NPY header (need 'descr', 'fortran_order' and 'shape')");
  }
  const dtype = DESCR[descr];
  if (!dtype) {
    // a type code is named only when it has the form of one (the header is the file's text)
    const code = TYPE_CODE.test(descr) ? ` '${descr}'` : '';
    const why = descr.startsWith('>') ? ' (big-endian)' : '';
    throw new FileFormatError(file, `NPY dtype${code}${why} unsupported (supported: uint8, int8, int16, int32, int64, float32, float64, little-endian)`);
  }
  if (fortran === 'True') throw new FileFormatError(file, 'NPY array in Fortran order unsupported; save it in C order (numpy.ascontiguousarray)');
  const parts = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (!parts.every((s) => /^\d+L?$/.test(s))) throw new FileFormatError(file, 'malformed NPY shape (need a tuple of whole numbers)');
  const shape = parts.map((s) => Number.parseInt(s, 10));
  if (shape.length === 0) throw new FileFormatError(file, 'NPY array is a scalar (shape ()); need at least one axis of rows');
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = dataOffset + count * BYTES[dtype];
  if (bytes.length < expected) {
    throw new FileFormatError(file, `truncated NPY data: shape (${shape.join(', ')}) of ${dtype} needs ${count * BYTES[dtype]} bytes, file has ${bytes.length - dataOffset}`);
  }
  if (bytes.length > expected) {
    throw new FileFormatError(file, `${bytes.length - expected} unexpected bytes after the NPY data of shape (${shape.join(', ')}) (${dtype})`);
  }
  const rows = rowsToRead(shape[0], maxRows);
  const data = decode(file, bytes, dataOffset, rows * rowSize(shape), dtype, true);
  return { dtype, shape: [rows, ...shape.slice(1)], data, totalRows: shape[0] };
}
