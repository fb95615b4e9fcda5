/**
 * Writes a model's weights in the Keras 2 HDF5 layout that `model.load_weights(FILE)` reads (tf.keras and
 * Keras 3's legacy loader): root attributes layer_names (every layer, in model order), backend and
 * keras_version; a group per layer with attribute weight_names ('conv1/kernel:0', …; empty for layers without
 * weights); each weight a float32 dataset at LAYER/WEIGHT_NAME. Keras matches layers with weights in order,
 * which our builders share with Keras's applications.
 */
import { promises as fs } from 'node:fs';
import type * as tfl from '@tensorflow/tfjs-layers';
import { DataError } from '../errors.js';
import { createH5, h5Reason } from './h5file.js';

/** The Keras version whose save_weights layout this writes (its loaders compare it only against Keras 1). */
export const KERAS_LAYOUT_VERSION = '2.13.1';

/** Keras 2's weight name for weight `w` of layer `layer`: 'conv1/kernel:0'. */
export function kerasWeightName(layer: string, w: tfl.LayerVariable): string {
  return `${layer}/${(w.originalName ?? w.name).split('/').pop()}:0`;
}

/** Writes `model`'s weights to `file` (replacing it) as the file comment says; `tmp` first, renamed when complete. */
export async function writeKerasH5(model: tfl.LayersModel, file: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const f = await createH5(tmp);
    try {
      f.create_attribute('layer_names', model.layers.map((l) => l.name));
      f.create_attribute('backend', 'tensorflow');
      f.create_attribute('keras_version', KERAS_LAYOUT_VERSION);
      for (const layer of model.layers) {
        const g = f.create_group(layer.name);
        const names = layer.weights.map((w) => kerasWeightName(layer.name, w));
        if (names.length) g.create_attribute('weight_names', names);
        else g.create_attribute('weight_names', new Float64Array(0), [0]); // what h5py stores for Keras's empty list
        const sub = layer.weights.length ? g.create_group(layer.name) : null; // datasets at LAYER/LAYER/kernel:0
        layer.weights.forEach((w, i) => {
          sub!.create_dataset({ name: names[i].split('/').pop()!, data: Float32Array.from(w.read().dataSync()), shape: [...w.shape] as number[], dtype: '<f' });
        });
      }
    } catch (e) {
      throw new DataError(`cannot write ${file}: ${h5Reason(e)}`);
    } finally {
      f.close();
    }
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}
