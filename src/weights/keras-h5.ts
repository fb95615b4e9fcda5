/**
 * Keras HDF5 weight files as weight sources:
 * - Keras 2 `save_weights` / `weights='imagenet'` files: root attribute `layer_names`, a group per layer
 *   with attribute `weight_names`, each weight a dataset at GROUP/WEIGHT_NAME (Keras's weight order).
 *   `model.save('x.h5')` files hold the same under `model_weights/`.
 * - Keras 3 `.weights.h5`: `layers/NAME/vars/0, 1, …` (tf.keras 2.13–2.15's `_layer_checkpoint_dependencies/` too).
 */
import { DataError } from '../errors.js';
import { H5File, H5Group, h5Reason, openH5, readFloats, stringList } from './h5file.js';
import { inferNetwork } from './names.js';
import type { LayerWeights, WeightSource } from './types.js';

const isGroup = (e: unknown): e is H5Group => !!e && typeof (e as H5Group).keys === 'function';

/** Keras 2 layout: the group holding `layer_names` (the root, or model_weights/ of a model.save file). */
function keras2Root(f: H5File): H5Group | null {
  if (stringList(f, 'layer_names')) return f;
  const mw = f.get('model_weights');
  return isGroup(mw) && stringList(mw, 'layer_names') ? mw : null;
}

function readKeras2(root: H5Group, file: string): Map<string, LayerWeights[]> {
  const layers = new Map<string, LayerWeights[]>();
  for (const name of stringList(root, 'layer_names') ?? []) {
    const g = root.get(name);
    if (!isGroup(g)) throw new DataError(`${file}: layer_names lists ${name}, but the file has no group for it`);
    const names = stringList(g, 'weight_names');
    if (!names) throw new DataError(`${file}: layer group ${name} has no weight_names attribute`);
    layers.set(name, names.map((wn) => {
      const ds = g.get(wn);
      if (!ds || isGroup(ds)) throw new DataError(`${file}: layer ${name} names weight ${wn}, but the file has no dataset for it`);
      return { name: wn, ...readFloats(ds as Parameters<typeof readFloats>[0], `${file}: ${name}/${wn}`) };
    }));
  }
  return layers;
}

/** Keras 3 layout: LAYERS/NAME/vars/<index>. */
function readKeras3(top: H5Group, file: string): Map<string, LayerWeights[]> {
  const layers = new Map<string, LayerWeights[]>();
  for (const name of top.keys()) {
    const vars = top.get(`${name}/vars`);
    if (!isGroup(vars)) continue;
    const idx = vars.keys().filter((k) => /^\d+$/.test(k)).sort((a, b) => Number(a) - Number(b));
    layers.set(name, idx.map((k) => {
      const ds = vars.get(k);
      return { name: `${name}/vars/${k}`, ...readFloats(ds as Parameters<typeof readFloats>[0], `${file}: layers/${name}/vars/${k}`) };
    }));
  }
  return layers;
}

/** Reads a Keras HDF5 weights file (either layout); `description` names the source in messages. */
export async function readKerasH5(file: string, description = `keras-h5:${file}`): Promise<WeightSource> {
  const f = await openH5(file);
  try {
    let layers: Map<string, LayerWeights[]>;
    try {
      const root = keras2Root(f);
      const k3 = ['layers', '_layer_checkpoint_dependencies'].map((n) => f.get(n)).find(isGroup);
      if (root) layers = readKeras2(root, file);
      else if (k3) layers = readKeras3(k3, file);
      else throw new DataError(`${file} is an HDF5 file but not Keras weights (no layer_names attribute, no layers/ group)`);
    } catch (e) {
      if (e instanceof DataError) throw e;
      throw new DataError(`${file}: cannot read the weights: ${h5Reason(e)}`);
    }
    if (![...layers.values()].some((w) => w.length)) throw new DataError(`${file} holds no weights`);
    return { description, layers, ...inferNetwork(layers) };
  } finally {
    f.close();
  }
}
