/**
 * exportKerasH5(): a run's weights in the Keras 2 HDF5 layout under Keras layer names, so that
 * `model.load_weights(FILE)` on Keras's own MobileNet (same arch, alpha, top and classes) continues the work
 * in Python. The file is written under a temporary name and renamed when complete; an existing file is
 * replaced only with `overwrite`, and never inside the run directory.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { OptionError } from '../errors.js';
import { checkOutPath } from '../run/out-path.js';
import { loadRun } from '../run/run-dir.js';
import { writeKerasH5 } from '../weights/keras-h5-writer.js';

export interface ExportKerasH5Options {
  /** The .h5 file (default DIR-keras.h5 beside the run). */
  out?: string;
  best?: boolean;
  overwrite?: boolean;
}

export interface KerasH5Export {
  file: string;
  bytes: number;
  /** Layers with weights written (what Keras's load_weights matches in order). */
  layers: number;
}

/**
 * Where the file may go: the shared export check (run/out-path.ts: never inside a run, never over an existing path
 * without overwrite, a writable place), and not a .weights.h5 name.
 */
async function checkOut(out: string, dir: string, overwrite: boolean): Promise<void> {
  if (out.endsWith('.weights.h5')) {
    throw new OptionError(`--out ${out}: Keras 3 reads *.weights.h5 as its own format, not this Keras 2 layout; name it .h5`);
  }
  await checkOutPath(out, { kind: 'file', overwrite, source: dir });
}

/** Exports run directory `dir` (or its best/) as a Keras 2 HDF5 weights file. */
export async function exportKerasH5(dir: string, o: ExportKerasH5Options = {}): Promise<KerasH5Export> {
  const out = o.out ?? `${dir.replace(/[\\/]+$/, '')}-keras.h5`;
  await checkOut(out, dir, o.overwrite ?? false);
  const run = await loadRun(dir, { best: o.best });
  try {
    await fs.mkdir(path.dirname(path.resolve(out)), { recursive: true });
    await writeKerasH5(run.model, out);
    return { file: out, bytes: (await fs.stat(out)).size, layers: run.model.layers.filter((l) => l.weights.length).length };
  } finally {
    run.model.dispose();
  }
}
