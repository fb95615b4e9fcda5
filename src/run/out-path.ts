/**
 * Where an export may write (ONNX file, TF.js directory, and every exporter to come: Keras .h5, TFLite, QDQ
 * ONNX). An export never destroys data: it never writes inside a run directory (its model, meta.json,
 * checkpoint/, best/ …) except at its own default place there (RUN/model.onnx), never over an existing path
 * unless asked to overwrite, and even then only a file by a file and a model directory by a model directory
 * (never a training run, never a folder of something else). The location must be writable. Every refusal is
 * one error naming the path, before any work, with nothing changed.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { OptionError } from '../errors.js';
import { checkWritable } from '../fs-errors.js';

export interface OutPathOptions {
  /** A single file (.onnx, .h5, .tflite) or a directory (TF.js layers model). */
  kind: 'file' | 'dir';
  /** Replace what is already at the path (a file by a file, an earlier exported model directory by a new one). */
  overwrite?: boolean;
  /** How the path is named in messages (default '--out'). */
  flag?: string;
  /** The exporter's default path inside a run directory (e.g. RUN/model.onnx): allowed there. */
  allowInRun?: string;
  /** The run directory being exported: never the output itself. */
  source?: string;
}

/** A run directory (trained, or exported as one): meta.json beside model.json, or a checkpoint. */
const isRun = (entries: string[]) => (entries.includes('meta.json') && entries.includes('model.json'))
  || entries.some((e) => /^checkpoint(\.old|\.tmp)?$/.test(e));
/** What only a training run holds (an exported model directory does not): such a directory is never replaced. */
const TRAINING = ['checkpoint', 'checkpoint.old', 'checkpoint.tmp', 'best'];

const entriesOf = (dir: string) => fs.readdir(dir).catch(() => null);

/** The real path of `p` (symbolic links resolved as far as the path exists). */
async function realPath(p: string): Promise<string> {
  const abs = path.resolve(p);
  const real = await fs.realpath(abs).catch(() => null);
  if (real) return real;
  const up = path.dirname(abs);
  return up === abs ? abs : path.join(await realPath(up), path.basename(abs));
}

/** The nearest directory at or above `dir` that is a run directory, or null. */
async function enclosingRun(dir: string): Promise<string | null> {
  for (let d = dir; ; d = path.dirname(d)) {
    const entries = await entriesOf(d);
    if (entries && isRun(entries)) return d;
    if (path.dirname(d) === d) return null;
  }
}

/**
 * Checks `out` before an export writes it (see the file comment); throws OptionError naming the path, or a
 * DataError for a read-only location.
 */
export async function checkOutPath(out: string, o: OutPathOptions): Promise<void> {
  const flag = o.flag ?? '--out';
  const real = await realPath(out);
  const st = await fs.stat(real).catch(() => null);
  if (o.source !== undefined && real === (await realPath(o.source))) {
    throw new OptionError(`${flag} ${out} is the run directory itself; choose another path (nothing was written)`);
  }
  const allowed = o.allowInRun !== undefined && real === (await realPath(o.allowInRun));
  const run = allowed ? null : await enclosingRun(path.dirname(real));
  if (run) {
    throw new OptionError(`${flag} ${out} is inside the run directory ${path.relative(process.cwd(), run) || '.'}; `
      + 'an export never writes into a run: choose a path outside it (nothing was written)');
  }
  if (st) await checkExisting(out, real, st.isDirectory(), o, flag);
  await checkWritable(out);
}

/** What may be replaced: with overwrite, a file by a file; an empty folder or an exported model directory by a directory. */
async function checkExisting(out: string, real: string, isDir: boolean, o: OutPathOptions, flag: string): Promise<void> {
  if (o.kind === 'file') {
    if (isDir) throw new OptionError(`${flag} ${out} is a directory; give the name of the file to write (e.g. ${path.join(out, 'model.onnx')})`);
    if (!o.overwrite) throw new OptionError(`${flag} ${out} already exists; choose another path, or replace it with --overwrite`);
    return;
  }
  if (!isDir) throw new OptionError(`${flag} ${out} is a file, not a directory; choose another path (nothing was written)`);
  const entries = (await entriesOf(real)) ?? [];
  if (entries.length === 0) return;
  if (entries.some((e) => TRAINING.includes(e))) {
    throw new OptionError(`${flag} ${out} is a training run directory; an export never replaces a run: choose another path`);
  }
  if (!entries.includes('model.json')) {
    throw new OptionError(`${flag} ${out} exists and holds no model.json; refusing to replace it (choose another path)`);
  }
  if (!o.overwrite) throw new OptionError(`${flag} ${out} already holds a model; choose another path, or replace it with --overwrite`);
}
