/**
 * HDF5 files through h5wasm (HDF5 2.0 compiled to WebAssembly, maintained by NIST; reads and writes, no
 * native build): opened with HDF5's errors turned into exceptions, each one DataError naming the file.
 * A file is checked for the HDF5 signature before h5wasm sees it, so a non-HDF5 file is named as such.
 */
import { promises as fs } from 'node:fs';
import h5wasm from 'h5wasm/node';
import { DataError } from '../errors.js';

export type H5File = InstanceType<typeof h5wasm.File>;
export type H5Group = InstanceType<typeof h5wasm.Group>;
export type H5Dataset = InstanceType<typeof h5wasm.Dataset>;

const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
let ready: Promise<void> | null = null;

/** h5wasm, loaded once, throwing on HDF5 errors instead of printing HDF5-DIAG stacks to stderr. */
export function h5Ready(): Promise<void> {
  ready ??= h5wasm.ready.then((m) => { (m as unknown as { activate_throwing_error_handler(): void }).activate_throwing_error_handler(); });
  return ready;
}

/** The innermost reason of an HDF5 error stack ("truncated file: eof = …"), or its first line. */
export function h5Reason(e: unknown): string {
  const text = (e as Error)?.message ?? String(e);
  const reasons = [...text.matchAll(/ in [A-Za-z0-9_]+\(\): (.+)$/gm)].map((m) => m[1].trim());
  return reasons.at(-1) ?? text.split('\n')[0];
}

/** True when `file` starts with the HDF5 signature (at 0, or after a user block of 512·2^k bytes). */
export async function isHdf5(file: string): Promise<boolean> {
  const fh = await fs.open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    for (let at = 0; at + 8 <= size && at <= 1 << 20; at = at ? at * 2 : 512) {
      const b = Buffer.alloc(8);
      await fh.read(b, 0, 8, at);
      if (b.equals(SIGNATURE)) return true;
    }
    return false;
  } finally {
    await fh.close();
  }
}

/** Opens an existing HDF5 file for reading; a missing, non-HDF5 or damaged file is one DataError. */
export async function openH5(file: string): Promise<H5File> {
  const st = await fs.stat(file).catch(() => null);
  if (!st) throw new DataError(`${file} does not exist`);
  if (!st.isFile()) throw new DataError(`${file} is not a file`);
  if (!(await isHdf5(file))) throw new DataError(`${file} is not an HDF5 file (no HDF5 signature)`);
  await h5Ready();
  try {
    return new h5wasm.File(file, 'r');
  } catch (e) {
    throw new DataError(`${file}: cannot open the HDF5 file: ${h5Reason(e)}`);
  }
}

/** Creates (truncating) an HDF5 file for writing. */
export async function createH5(file: string): Promise<H5File> {
  await h5Ready();
  try {
    return new h5wasm.File(file, 'w');
  } catch (e) {
    throw new DataError(`cannot create ${file}: ${h5Reason(e)}`);
  }
}

/** An attribute as a list of strings ([] when absent or empty): h5py writes Keras's name lists as byte strings. */
export function stringList(obj: { attrs: Record<string, { value: unknown }> }, name: string): string[] | null {
  const a = obj.attrs[name];
  if (!a) return null;
  const v = a.value;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.map(String);
  if (ArrayBuffer.isView(v) && (v as unknown as ArrayLike<unknown>).length === 0) return [];
  return null;
}

/** A float dataset's values as Float32Array, with its shape. */
export function readFloats(ds: H5Dataset, where: string): { shape: number[]; values: Float32Array } {
  const shape = ds.shape ?? [];
  const v = ds.value;
  if (!(v instanceof Float32Array || v instanceof Float64Array)) {
    throw new DataError(`${where} is not a float dataset (dtype ${JSON.stringify(ds.dtype)})`);
  }
  return { shape: [...shape], values: v instanceof Float32Array ? v : Float32Array.from(v) };
}
