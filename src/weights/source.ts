/** One entry point for every weight source: `imagenet`, a Keras .h5 file, a TF.js model, a run directory. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataError, OptionError } from '../errors.js';
import { readKerasH5 } from './keras-h5.js';
import { readRunSource } from './run-source.js';
import { readTfjsSource } from './tfjs.js';
import type { ReadWeightOptions, WeightSource } from './types.js';

const exists = (p: string) => fs.access(p).then(() => true, () => false);

/** What kind of source `spec` names, from the file system alone. */
export async function sourceKind(spec: string): Promise<'imagenet' | 'run' | 'tfjs' | 'keras-h5'> {
  if (spec === 'imagenet') return 'imagenet';
  const st = await fs.stat(spec).catch(() => null);
  if (!st) throw new DataError(`weights ${spec} do not exist (expected imagenet, a Keras .h5 file, a TF.js model.json or directory, or a run directory)`);
  if (st.isDirectory()) {
    if (await exists(path.join(spec, 'meta.json'))) return 'run';
    if (await exists(path.join(spec, 'model.json'))) return 'tfjs';
    throw new DataError(`${spec} is a directory with neither meta.json (a run) nor model.json (a TF.js model)`);
  }
  return spec.endsWith('.json') ? 'tfjs' : 'keras-h5';
}

/**
 * Reads the weights `spec` names: 'imagenet' (Keras's files for o.arch/alpha/rows/top, cached in
 * $KERAS_HOME/models, downloaded once), a Keras HDF5 file (.h5 / .weights.h5), a TF.js layers model
 * (model.json or its directory, quantized or not) or a run directory (meta.json beside model.json).
 */
export async function readWeightSource(spec: string, o: ReadWeightOptions = {}): Promise<WeightSource> {
  if (typeof spec !== 'string' || spec === '') throw new OptionError('weights must name a source (imagenet, FILE or DIR)');
  const kind = await sourceKind(spec);
  switch (kind) {
    case 'imagenet': {
      const { readImagenet } = await import('./imagenet.js');
      return readImagenet(o);
    }
    case 'run': return readRunSource(spec);
    case 'tfjs': return readTfjsSource(spec);
    case 'keras-h5': {
      const src = await readKerasH5(spec);
      return src.arch === 'v1' ? { ...src, activation: 'relu6' } : src; // Keras applications' V1 uses ReLU6
    }
  }
}
