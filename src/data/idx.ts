/**
 * IDX file reader (the MNIST format), plain or gzip-compressed, validated:
 * magic number, element type, dimensions and exact byte count.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { DataError } from '../errors.js';

/** A parsed IDX tensor of unsigned bytes. */
export interface IdxData {
  dims: number[];
  data: Uint8Array;
}

const UBYTE = 0x08;
const TYPE_NAMES: Record<number, string> = { 0x09: 'int8', 0x0b: 'int16', 0x0c: 'int32', 0x0d: 'float32', 0x0e: 'float64' };

/** True when the buffer starts with the gzip magic bytes 1f 8b. */
export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/** Decompresses gzip data; a corrupt stream becomes a DataError naming `source`. */
export function gunzip(buf: Uint8Array, source: string): Uint8Array {
  try {
    const out = gunzipSync(buf);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    throw new DataError(`${source}: corrupt gzip data (${(e as Error).message})`);
  }
}

/**
 * Parses an IDX buffer (gzip is detected and decompressed). Only unsigned-byte
 * data (magic 0x00 0x00 0x08 ndim) is accepted. `source` names the file in errors.
 */
export function parseIdx(buf: Uint8Array, source: string): IdxData {
  const raw = isGzip(buf) ? gunzip(buf, source) : buf;
  if (raw.length < 4) throw new DataError(`${source}: not an IDX file (only ${raw.length} bytes)`);
  if (raw[0] !== 0 || raw[1] !== 0) {
    const magic = Array.from(raw.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new DataError(`${source}: not an IDX file (bad magic number ${magic}, expected 00 00 08 <ndim>)`);
  }
  const type = raw[2];
  if (type !== UBYTE) {
    const name = TYPE_NAMES[type] ?? `unknown type 0x${type.toString(16)}`;
    throw new DataError(`${source}: unsupported IDX element type ${name} (only unsigned byte 0x08 is supported)`);
  }
  const ndim = raw[3];
  if (ndim < 1) throw new DataError(`${source}: IDX header declares 0 dimensions`);
  const headerBytes = 4 + 4 * ndim;
  if (raw.length < headerBytes) {
    throw new DataError(`${source}: truncated IDX header (${raw.length} bytes, header needs ${headerBytes})`);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const have = raw.length - headerBytes;
  if (have < count) {
    throw new DataError(`${source}: truncated IDX data (dims [${dims.join(', ')}] need ${count} bytes, file has ${have})`);
  }
  if (have > count) {
    throw new DataError(`${source}: IDX size mismatch (dims [${dims.join(', ')}] need ${count} bytes, file has ${have}: ${have - count} extra)`);
  }
  return { dims, data: raw.subarray(headerBytes) };
}

/** Reads a file's bytes; a missing or unreadable file becomes a DataError. */
export async function readBytes(file: string): Promise<Uint8Array> {
  try {
    const b = await readFile(file);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError(`${file}: file not found`);
    if (code === 'EISDIR') throw new DataError(`${file}: is a directory, not a file`);
    throw new DataError(`${file}: cannot read (${(e as Error).message})`);
  }
}

/** Reads and parses an IDX file (plain or .gz). */
export async function readIdxFile(file: string): Promise<IdxData> {
  return parseIdx(await readBytes(file), file);
}
